import { hostPid } from '../support/processes.ts';
import { describeFormation } from './formation.ts';

describeFormation('process', {
  kill: async (dyno, pid) => {
    const host = await hostPid(dyno.id, pid);
    if (host === null) throw new Error(`no process of dyno ${dyno.name} has pid ${pid}`);
    process.kill(host, 'SIGKILL');
  },
  alive: async (dyno, pid) => (await hostPid(dyno.id, pid)) !== null,
});
