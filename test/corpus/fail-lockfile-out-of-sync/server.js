require('node:http').createServer((req, res) => res.end('should never be deployed\n')).listen(process.env.PORT);
