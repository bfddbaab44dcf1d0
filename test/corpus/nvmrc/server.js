const http = require('node:http');

http.createServer((req, res) => res.end(`running node ${process.version}\n`)).listen(process.env.PORT);
