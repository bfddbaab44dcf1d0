const http = require('node:http');
const routes = require('./generated/routes.js');

http
  .createServer((req, res) => {
    const body = routes[req.url];
    res.statusCode = body === undefined ? 404 : 200;
    res.end(`${body ?? 'no such route'}\n`);
  })
  .listen(process.env.PORT);
