import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { requireDocker } from '../support/docker.ts';
import { describeFailpoints } from './failpoints.ts';

const docker = requireDocker();

/** Build containers of this server's instance (a build under way when it died). */
describeFailpoints('docker', async (server) => {
  const instance = (await readFile(path.join(server.dataDir, 'instance-id'), 'utf8')).trim();
  const containers = await docker.listContainers({ all: true, filters: { label: ['platform.build-container=1', `platform.managed=${instance}`] } });
  return containers.map((c) => `build container ${c.Names?.[0]} (${c.State})`);
});
