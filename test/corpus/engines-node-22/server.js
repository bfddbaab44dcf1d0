const http = require('node:http');

// Array.prototype.toSorted exists from Node 20: it throws on Debian's Node 18.
const sorted = [3, 1, 2].toSorted();

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'engines-node-22', node: process.version, sorted }));
  })
  .listen(process.env.PORT);
