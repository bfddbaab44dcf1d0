const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

http
  .createServer((req, res) => {
    let migrations = [];
    try {
      migrations = JSON.parse(fs.readFileSync(path.join(process.env.MIGRATION_STORE, 'applied.json'), 'utf8'));
    } catch {}
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'release-phase', migrations }));
  })
  .listen(process.env.PORT);
