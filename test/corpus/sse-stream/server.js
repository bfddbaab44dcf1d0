const http = require('node:http');

http
  .createServer((req, res) => {
    if (req.url !== '/events') return res.end('GET /events for a stream of ticks\n');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let n = 0;
    const tick = () => res.write(`event: tick\ndata: tick ${++n}\n\n`);
    tick();
    const timer = setInterval(tick, 300);
    req.on('close', () => clearInterval(timer));
  })
  .listen(process.env.PORT);
