import { requireDocker } from '../support/docker.ts';
import { describeFormation } from './formation.ts';

const docker = requireDocker();
describeFormation('docker', {
  // `pid` is the pid inside the container; the container id is what counts here.
  kill: async (dyno) => void (await docker.getContainer(dyno.id).kill()),
  alive: async (dyno) =>
    docker
      .getContainer(dyno.id)
      .inspect()
      .then((c) => c.State.Running, () => false),
});
