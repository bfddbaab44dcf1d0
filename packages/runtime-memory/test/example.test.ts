// The README's example, kept running: a crash-restart loop driven through the control API.
import { expect, it } from 'vitest';
import type { DynoSpec } from '@platform/types';
import { createMemoryRuntime } from '../src/index.ts';

it('drives a dyno from a test: output, a crash, a restart', async () => {
  const runtime = createMemoryRuntime({ behaviour: (spec) => (spec.type === 'web' ? { httpStatus: 200 } : {}) });
  const spec: DynoSpec = {
    app: 'demo',
    appId: 'app-1',
    releaseId: 'rel-1',
    releaseVersion: 1,
    type: 'web',
    name: 'web.1',
    command: 'npm start',
    env: {},
    artifact: { slugPath: '/slugs/demo.tgz', slugChecksum: 'abc' },
  };
  // A tiny "manager": restart whatever crashed.
  runtime.onExit((exit) => {
    if (!exit.requested) void runtime.start(spec);
  });
  const first = await runtime.start(spec);
  expect((await fetch(`http://${first.address.host}:${first.address.port}/`)).status).toBe(200);
  runtime.emit(first.id, 'listening');
  await runtime.crash(first.id, 1);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const dynos = await runtime.list({ app: 'demo' });
  expect(dynos.map((d) => [d.name, d.running])).toEqual([
    ['web.1', false], // the crashed one, until stopped
    ['web.1', true], // its replacement
  ]);
  await runtime.close();
});
