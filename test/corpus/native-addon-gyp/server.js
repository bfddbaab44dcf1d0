const http = require('node:http');
const { adler32 } = require('./build/Release/checksum.node');

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'native-addon-gyp', adler32: adler32(Buffer.from('Wikipedia')) }));
  })
  .listen(process.env.PORT);
