import { randomUUID } from 'node:crypto';
import { createSwarmPostgresProvider } from '@platform/addon-swarm';
import { holdSwarmLock, requireSwarm } from '../../packages/runtime-swarm/test/swarm-harness.ts';
import { ADDON_IMAGES, loadImageOnManager, swarmProviderOptions } from '../../packages/addon-swarm/test/support.ts';
import type { Report } from './report.ts';

/**
 * The swarm PostgreSQL provider's figures beside the others (`benchAddons`' `time` does the timing): a Swarm service
 * per add-on on the sandbox swarm (secret, service, task start with initdb), reached through the provider's relay.
 * The first provision, which pushes the image to the registry once, is reported apart. Without a sandbox, a note
 * says why.
 */
export async function benchSwarmAddons(
  report: Report,
  reps: number,
  time: (provider: ReturnType<typeof createSwarmPostgresProvider>, reach: (url: string) => Promise<string>, appId: string, reps: number) => Promise<{ provision: number[]; deprovision: number[] }>,
  log: (line: string) => void,
): Promise<void> {
  const sandbox = await requireSwarm({ lock: 'none' });
  if ('skip' in sandbox) {
    report.note(`swarm add-on bench skipped: ${sandbox.skip}`);
    return;
  }
  const release = await holdSwarmLock('shared');
  try {
    log('add-ons: swarm provider');
    await loadImageOnManager(sandbox.docker, ADDON_IMAGES.postgresql, 'bash scripts/build-postgres-image.sh');
    const t = await swarmProviderOptions(sandbox, ADDON_IMAGES.postgresql);
    const provider = createSwarmPostgresProvider(t.options);
    const addonIdOf = new Map<string, string>();
    const reach = async (url: string) => provider.platformUrl!({ addonId: addonIdOf.get(url) ?? '', plan: 'dev' }, url);
    // The bench's timer hands out URLs only: remember which add-on each belongs to through provision.
    const tracked = { ...provider, provision: async (r: Parameters<typeof provider.provision>[0]) => {
      const credentials = await provider.provision(r);
      addonIdOf.set(credentials.url, r.addonId);
      return credentials;
    } };
    try {
      const { provision, deprovision } = await time(tracked, reach, randomUUID(), reps + 1);
      report.add({ bench: 'add-on provision → URL usable, first (image push)', runtime: 'swarm', unit: 'ms', values: provision.slice(0, 1) });
      report.add({ bench: 'add-on provision → URL usable', runtime: 'swarm', unit: 'ms', values: provision.slice(1), note: 'a Swarm service per add-on: secret, service, task, initdb; reached through the relay' });
      report.add({ bench: 'add-on deprovision', runtime: 'swarm', unit: 'ms', values: deprovision, note: 'service, volume and secret removed' });
    } finally {
      await provider.close();
      await t.cleanup();
    }
  } finally {
    await release();
  }
}
