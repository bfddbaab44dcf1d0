const http = require('node:http');
const ms = require('ms');

// The lockfile pins ms below the newest 2.x: the version served proves `npm ci` honoured it.
const msVersion = require('ms/package.json').version;

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'npm-lockfile', ms: msVersion, timeout: ms('2 minutes') }));
  })
  .listen(process.env.PORT, () => console.log(`npm-lockfile listening on ${process.env.PORT}`));
