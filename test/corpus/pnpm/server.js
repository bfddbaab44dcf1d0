const http = require('node:http');

// pnpm-lock.yaml pins ms 2.1.1; node_modules/ms is then pnpm's symlink into node_modules/.pnpm.
const msVersion = require('ms/package.json').version;

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'pnpm', ms: msVersion }));
  })
  .listen(process.env.PORT);
