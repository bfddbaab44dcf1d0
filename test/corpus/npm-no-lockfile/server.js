// No start script and no Procfile: Heroku's default web process for a server.js is `npm start` → node server.js.
const http = require('node:http');
const ms = require('ms');

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'npm-no-lockfile', ms: require('ms/package.json').version, hour: ms('1h') }));
  })
  .listen(process.env.PORT);
