import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** PLATFORM_RUNTIME=swarm with PLATFORM_SWARM_DOCKER_HOST, PLATFORM_REGISTRY and PLATFORM_SWARM_ADDRESSES. */
describe('swarm settings', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none' };

  it('takes a manager, a registry and where dynos are reached', () => {
    const config = loadConfig({
      ...base,
      PLATFORM_RUNTIME: 'swarm',
      PLATFORM_SWARM_DOCKER_HOST: 'unix:///run/platform-swarm/docker.sock',
      PLATFORM_REGISTRY: '127.0.0.1:5000',
      PLATFORM_SWARM_ADDRESSES: 'published',
    });
    expect(config).toMatchObject({
      runtime: 'swarm',
      swarmDockerHost: 'unix:///run/platform-swarm/docker.sock',
      registry: '127.0.0.1:5000',
      registryUrl: 'http://127.0.0.1:5000',
      swarmAddresses: 'published',
    });
    expect(loadConfig(base)).toMatchObject({
      swarmDockerHost: null,
      registry: null,
      registryUrl: null,
      swarmAddresses: 'overlay',
    });
  });

  it('takes where platformd reaches the registry API when that differs from the nodes\' address', () => {
    const config = loadConfig({
      ...base,
      PLATFORM_REGISTRY: '127.0.0.1:5000',
      PLATFORM_REGISTRY_URL: 'http://198.51.100.1:5000',
    });
    expect(config.registryUrl).toBe('http://198.51.100.1:5000');
    expect(() => loadConfig({ ...base, PLATFORM_REGISTRY_URL: 'ftp://r:5000' })).toThrow(
      /PLATFORM_REGISTRY_URL must be http\(s\):\/\/host\[:port\]/,
    );
    expect(() => loadConfig({ ...base, PLATFORM_REGISTRY_URL: 'http://r:5000/v2/x' })).toThrow(/PLATFORM_REGISTRY_URL/);
  });

  it('takes each node\'s Docker socket for the node image collection, Swarm templates included', () => {
    expect(loadConfig(base).swarmNodeSocket).toBe('/var/run/docker.sock');
    const template = '/run/platform-swarm-nodes/{{.Node.Hostname}}.sock';
    expect(loadConfig({ ...base, PLATFORM_SWARM_NODE_SOCKET: template }).swarmNodeSocket).toBe(template);
    for (const bad of ['docker.sock', '/run/../etc/x', '/run/a b.sock'])
      expect(() => loadConfig({ ...base, PLATFORM_SWARM_NODE_SOCKET: bad }), bad).toThrow(/PLATFORM_SWARM_NODE_SOCKET must be an absolute path/);
  });

  it('refuses swarm without a registry, a malformed registry and unknown addresses, saying why', () => {
    expect(() => loadConfig({ ...base, PLATFORM_RUNTIME: 'swarm' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, PLATFORM_RUNTIME: 'swarm' })).toThrow(
      /PLATFORM_RUNTIME=swarm needs PLATFORM_REGISTRY/,
    );
    expect(() => loadConfig({ ...base, PLATFORM_REGISTRY: 'http://r:5000/x' })).toThrow(
      /PLATFORM_REGISTRY must be host or host:port/,
    );
    expect(() => loadConfig({ ...base, PLATFORM_SWARM_ADDRESSES: 'vip' })).toThrow(
      /PLATFORM_SWARM_ADDRESSES must be overlay or published/,
    );
    expect(() => loadConfig({ ...base, PLATFORM_RUNTIME: 'k8s' })).toThrow(
      /PLATFORM_RUNTIME must be auto, docker, process or swarm/,
    );
  });
});
