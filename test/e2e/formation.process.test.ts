import { describeFormation } from './formation.ts';

describeFormation('process', {
  kill: async (_dyno, pid) => void process.kill(pid, 'SIGKILL'),
  alive: async (_dyno, pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  },
});
