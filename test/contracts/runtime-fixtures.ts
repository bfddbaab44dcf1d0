/**
 * Tiny fixture apps for the runtime contract suite: plain node scripts (CommonJS, no deps), so
 * they run on any stack that has `node`. They listen on $PORT on all interfaces (as an app on
 * Heroku does), which suits both a process on the host and a container with a published port.
 */

/** Answers `/env` with its environment, uid and whether it can write its working directory. */
export const ENV_SERVER = `
const http = require('http');
const fs = require('fs');
let writable = false;
try { fs.writeFileSync('.write-probe', 'x'); writable = true; } catch {}
http.createServer((req, res) => {
  if (req.url === '/env') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ env: process.env, uid: process.getuid(), cwd: process.cwd(), writable }));
    return;
  }
  res.end('hello from ' + process.env.DYNO);
}).listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
`;

/** Writes to both streams, leaves a partial last line, then exits 3. */
export const CRASHER = `
console.log('to stdout');
console.error('to stderr');
process.stdout.write('line one\\nline two\\npartial without newline', () => process.exit(3));
`;

/** Handles SIGTERM: says so, then exits 0 shortly after. */
export const GRACEFUL = `
process.on('SIGTERM', () => {
  console.log('got SIGTERM');
  setTimeout(() => process.exit(0), 50);
});
setInterval(() => {}, 1000);
console.log('ready');
`;

/**
 * Ignores SIGTERM and spawns a grandchild that also ignores it and holds $PORT: after stop(),
 * the port answering nothing proves the whole dyno (not just its main process) was killed.
 */
export const STUBBORN = `
const { spawn } = require('child_process');
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const grandchild = spawn(process.execPath, ['-e', \`
  process.on('SIGTERM', () => {});
  require('http').createServer((req, res) => res.end('grandchild')).listen(Number(process.env.PORT), () => console.log('grandchild listening'));
\`], { stdio: 'inherit' });
setInterval(() => {}, 1000);
`;

export const PROFILE_SCRIPT = `export FROM_PROFILE="profile saw DYNO=$DYNO"
export DEFAULTED="\${DEFAULTED:-from-profile-default}"
`;
