import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { describeFailpoints } from './failpoints.ts';

/** Build workspaces left in the data dir, and processes still working inside them. */
describeFailpoints('process', async (server) => {
  const builds = path.join(server.dataDir, 'builds');
  const left = (await readdir(builds)).map((name) => `workspace ${name}`);
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    if ((await readlink(`/proc/${pid}/cwd`).catch(() => '')).startsWith(builds + '/')) left.push(`process ${pid}`);
  }
  return left;
});
