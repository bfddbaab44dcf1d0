const http = require('node:http');

console.error('warning: no cache configured, serving without one');
http
  .createServer((req, res) => {
    if (req.url === '/oops') {
      console.error(`error: handler failed for ${req.url}`);
      res.statusCode = 500;
      return res.end('something went wrong\n');
    }
    console.log(`served ${req.url}`);
    res.end('fine\n');
  })
  .listen(process.env.PORT);
