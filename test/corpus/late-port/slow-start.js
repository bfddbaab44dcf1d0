const http = require('node:http');

const startedAt = Date.now();
console.log('warming up before binding $PORT');
setTimeout(() => {
  const warmUp = Math.round((Date.now() - startedAt) / 1000);
  http
    .createServer((req, res) => res.end(`ready after ${warmUp}s warm-up\n`))
    .listen(process.env.PORT, () => console.log(`bound ${process.env.PORT} after the warm-up`));
}, 8000);
