const http = require('node:http');
const { WebSocketServer } = require('ws');

const server = http.createServer((req, res) => res.end('connect a WebSocket to /echo\n'));
const wss = new WebSocketServer({ server, path: '/echo' });

wss.on('connection', (socket) => {
  socket.send(`welcome from ${process.env.DYNO}`);
  socket.on('message', (data) => socket.send(`echo: ${data}`));
});

server.listen(process.env.PORT);
