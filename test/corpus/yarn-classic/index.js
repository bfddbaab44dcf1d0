const http = require('node:http');

// yarn.lock pins ms 2.1.1 although ^2.1.0 allows newer: an install that ignores yarn.lock serves another version.
const msVersion = require('ms/package.json').version;

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ app: 'yarn-classic', ms: msVersion, agent: process.env.npm_config_user_agent || null }));
});
server.listen(process.env.PORT, () => console.log('yarn-classic up'));
