const http = require('node:http');

http
  .createServer((req, res) => res.end(`started by ${process.env.npm_lifecycle_event ? 'npm start' : 'node'}\n`))
  .listen(process.env.PORT, () => console.log(`no-procfile app listening on ${process.env.PORT}`));
