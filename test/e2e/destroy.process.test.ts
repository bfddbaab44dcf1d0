import { readdir, readFile } from 'node:fs/promises';
import { describeDestroyLoop } from './destroy.ts';

/** Processes whose environment names the app (every dyno carries HEROKU_APP_NAME). */
describeDestroyLoop('process', async (_server, app) => {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`HEROKU_APP_NAME=${app}`)) found.push(`process ${pid}`);
  }
  return found;
});
