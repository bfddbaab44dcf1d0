const cluster = require('node:cluster');
const http = require('node:http');

const workers = Number.parseInt(process.env.WEB_CONCURRENCY ?? '', 10);

if (cluster.isPrimary) {
  const count = Number.isInteger(workers) && workers > 0 ? workers : 1;
  console.log(`forking ${count} workers (WEB_CONCURRENCY=${process.env.WEB_CONCURRENCY ?? 'unset'})`);
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  http
    .createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ app: 'web-concurrency', webConcurrency: process.env.WEB_CONCURRENCY ?? null, worker: cluster.worker.id }));
    })
    .listen(process.env.PORT);
}
