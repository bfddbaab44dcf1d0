const fs = require('node:fs');
const http = require('node:http');

const file = `${__dirname}/build-steps.txt`;
const steps = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'heroku-build-scripts', steps }));
  })
  .listen(process.env.PORT);
