// The quick start's sample app: a web process with no dependencies that says which release it runs
// and shows one config var, so `git push` and `platform config:set` can be seen doing their work.
const http = require('node:http');

const port = Number(process.env.PORT || 5000);

const server = http.createServer((req, res) => {
  const body = [
    `Hello from ${process.env.HEROKU_APP_NAME || 'the sample app'}!`,
    `release: ${process.env.HEROKU_RELEASE_VERSION || 'unknown'}`,
    `dyno: ${process.env.DYNO || '-'}`,
    `GREETING: ${process.env.GREETING || '(not set: try `platform config:set GREETING=hello`)'}`,
    '',
  ].join('\n');
  console.log(`${req.method} ${req.url}`);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
});

server.listen(port, () => console.log(`sample app listening on ${port}`));
// Heroku-style shutdown: finish in-flight requests on SIGTERM, then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
