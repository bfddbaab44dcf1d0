const http = require('node:http');
// Resolved through apps/api/node_modules/@corpus/format, a symlink pnpm makes to packages/format.
const { describeUptime } = require('@corpus/format');

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'pnpm-workspace', workspace: '@corpus/format', status: describeUptime(process.uptime()) }));
  })
  .listen(process.env.PORT);
