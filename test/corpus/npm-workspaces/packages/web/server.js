const http = require('node:http');
const { greet } = require('@corpus/greeter');
const ms = require('ms');

http
  .createServer((req, res) => {
    res.end(`${greet('monorepo')} (uptime ${ms(Math.round(process.uptime() * 1000))})\n`);
  })
  .listen(process.env.PORT, () => console.log(`web workspace listening in ${process.cwd()}`));
