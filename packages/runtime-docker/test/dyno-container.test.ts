import { describe, expect, it } from 'vitest';
import type { DynoSpec } from '@platform/types';
import { containerOptions, dynoFromContainer } from '../src/dyno-container.ts';

/** The container a spec becomes: pure, so table-tested without an engine (the engine runs it in docker.test.ts and e2e). */
const settings = { instance: 'i1', user: '1000:1000', port: 5000, size: { memoryMb: 512, pids: 256 } };
const spec = (artifact: DynoSpec['artifact'], command: string): DynoSpec => ({
  app: 'df-app',
  appId: 'app-1',
  releaseId: 'r1',
  releaseVersion: 3,
  type: 'web',
  name: 'web.1',
  command,
  env: { GREETING: 'hi', HOME: '/elsewhere' },
  artifact,
});
const env = (o: { Env?: string[] | undefined }) => Object.fromEntries((o.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

describe('dyno container options', () => {
  it("run a slug's command through the launch script from /app, the image's entrypoint cleared", () => {
    const o = containerOptions(spec({ slugPath: '/s.tgz', slugChecksum: 'c', image: 'platform/df-app:b1' }, 'node web.js'), settings, 'net');
    expect(o.Entrypoint).toEqual([]);
    expect(o.Cmd?.slice(0, 2)).toEqual(['bash', '-c']);
    expect(o.Cmd?.at(-1)).toBe('node web.js');
    expect(o.WorkingDir).toBe('/app');
    expect(env(o)).toMatchObject({ HOME: '/app', PORT: '5000', DYNO: 'web.1', GREETING: 'hi' });
  });

  it("run a Dockerfile image as docker run would: its own CMD, ENTRYPOINT, WORKDIR and HOME, $PORT still injected, never as root", () => {
    const own = containerOptions(spec({ image: 'platform/df-app:b2', kind: 'dockerfile' }, ''), settings, 'net');
    expect(own).not.toHaveProperty('Cmd');
    expect(own).not.toHaveProperty('Entrypoint');
    expect(own).not.toHaveProperty('WorkingDir');
    expect(env(own)).toMatchObject({ PORT: '5000', DYNO: 'web.1', GREETING: 'hi' });
    expect(env(own)).not.toHaveProperty('HOME');
    expect(own.User).toBe('1000:1000');

    const declared = containerOptions(spec({ image: 'platform/df-app:b2', kind: 'dockerfile' }, 'exec ./worker --queue a'), settings, 'net');
    expect(declared.Cmd).toEqual(['/bin/sh', '-c', 'exec ./worker --queue a']);
    expect(declared).not.toHaveProperty('Entrypoint');
  });

  it("read back: a declared command as declared; a Dockerfile image's own CMD as what Docker runs (ps shows it, not a blank)", () => {
    const labels = (command: string) => containerOptions(spec({ image: 'platform/df-app:b2', kind: 'dockerfile' }, command), settings, 'net').Labels!;
    const facts = { id: 'c1', running: true, ip: '10.0.0.2', startedAt: new Date(0), runs: 'docker-entrypoint.sh node server.js' };
    expect(dynoFromContainer({ ...facts, labels: labels('') }).command).toBe('docker-entrypoint.sh node server.js');
    expect(dynoFromContainer({ ...facts, labels: labels('exec ./worker') }).command).toBe('exec ./worker');
    expect(dynoFromContainer({ ...facts, runs: undefined, labels: labels('') }).command).toBe('');
  });
});
