// pre-receive hook of @platform/git-http. Plain JS run by node directly (start-up must be fast).
// git runs it inside receive-pack with the ref updates on stdin and the quarantine env; it hands both
// to the server's internal route (authenticated by the one-time nonce receive-pack got in its env),
// prints the streamed lines (git relays them as `remote: …`), and exits 0 to accept, 1 to reject.
import http from 'node:http';
import https from 'node:https';

const env = process.env;

function say(line) {
  process.stdout.write(`${line}\n`);
}

function reject(message) {
  say(` !     ${message}`);
  process.exitCode = 1;
}

async function main() {
  const url = env.PLATFORM_GIT_HOOK_URL;
  const nonce = env.PLATFORM_GIT_HOOK_NONCE;
  if (!url || !nonce) return reject('This repository only accepts pushes through the platform.');

  let input = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) input += chunk;
  const updates = input
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [oldSha, newSha, ref] = line.split(' ');
      return { oldSha, newSha, ref };
    });

  const body = JSON.stringify({
    updates,
    quarantine: {
      objectDirectory: env.GIT_OBJECT_DIRECTORY ?? null,
      alternateObjectDirectories: env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? null,
      quarantinePath: env.GIT_QUARANTINE_PATH ?? null,
    },
  });

  const target = new URL('internal/git/pre-receive', url.endsWith('/') ? url : `${url}/`);
  const client = target.protocol === 'https:' ? https : http;
  await new Promise((resolve) => {
    const req = client.request(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-platform-hook-nonce': nonce,
      },
    });
    req.on('error', () => {
      reject('Push rejected: the platform could not be reached from the git hook.');
      resolve();
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(`Push rejected: the platform refused the git hook (HTTP ${res.statusCode}).`);
        return resolve();
      }
      // Newline-delimited JSON: {"line": "..."} … then {"ok": true|false}.
      let buffered = '';
      let result = null;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffered += chunk;
        let nl;
        while ((nl = buffered.indexOf('\n')) !== -1) {
          const text = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (!text) continue;
          let msg;
          try {
            msg = JSON.parse(text);
          } catch {
            continue;
          }
          if (typeof msg.line === 'string') say(msg.line);
          if (typeof msg.ok === 'boolean') result = msg.ok;
        }
      });
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        if (result === null) reject('Push rejected: the platform closed the connection before the push finished.');
        else process.exitCode = result ? 0 : 1;
        resolve();
      };
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end(body);
  });
}

main().catch((err) => reject(`Push rejected: ${err?.message ?? err}`));
