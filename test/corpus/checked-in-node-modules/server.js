const http = require('node:http');
const ms = require('ms');

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'checked-in-node-modules', ms: require('ms/package.json').version, day: ms('1d') }));
  })
  .listen(process.env.PORT);
