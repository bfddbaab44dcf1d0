const http = require('node:http');

// yarn.lock (berry format) pins ms 2.1.1; `yarn install --immutable` must keep it.
const msVersion = require('ms/package.json').version;

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'yarn-berry', ms: msVersion }));
  })
  .listen(process.env.PORT);
