import { requireDocker } from '../support/docker.ts';
import { describeDestroyLoop } from './destroy.ts';

const docker = requireDocker();

/** The app's containers (running or exited), release images and cache volume on the engine. */
describeDestroyLoop('docker', async (_server, app) => {
  const byApp = { filters: { label: [`platform.app=${app}`] } };
  const containers = await docker.listContainers({ all: true, ...byApp });
  const images = await docker.listImages(byApp);
  const appIds = new Set([...containers, ...images].map((o) => o.Labels?.['platform.app-id']).filter(Boolean));
  const volumes = ((await docker.listVolumes()).Volumes ?? []).filter((v) => appIds.has(v.Labels?.['platform.app-id']));
  return [
    ...containers.map((c) => `container ${c.Names?.[0]} (${c.State})`),
    ...images.map((i) => `image ${i.RepoTags?.[0] ?? i.Id}`),
    ...volumes.map((v) => `volume ${v.Name}`),
  ];
});
