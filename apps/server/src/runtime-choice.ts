import Docker from 'dockerode';
import type { Logger } from 'pino';
import { PlatformError } from '@platform/types';
import type { ServerConfig } from './config.ts';

export type RuntimeDecision =
  | { kind: 'docker'; docker: Docker; reason: string }
  | { kind: 'swarm'; docker: Docker; reason: string }
  | { kind: 'process'; reason: string };

export function dockerClient(dockerHost: string | null): Docker {
  if (!dockerHost) return new Docker({ socketPath: '/var/run/docker.sock' });
  if (dockerHost.startsWith('unix://')) return new Docker({ socketPath: dockerHost.slice('unix://'.length) });
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}

/**
 * PLATFORM_RUNTIME=docker|process, or auto: docker when the Docker API answers and the stack image is present,
 * else plain processes. The caller logs the decision and its reason.
 */
export async function chooseRuntime(config: Readonly<ServerConfig>, logger: Logger): Promise<RuntimeDecision> {
  if (config.runtime === 'process') return { kind: 'process', reason: 'PLATFORM_RUNTIME=process' };
  if (config.runtime === 'swarm') return chooseSwarm(config);
  const docker = dockerClient(config.dockerHost);
  const where = config.dockerHost ?? 'unix:///var/run/docker.sock';
  let answered = false;
  try {
    await docker.ping();
    answered = true;
  } catch (err) {
    logger.debug({ err }, 'docker ping failed');
  }
  if (!answered) {
    if (config.runtime === 'docker') {
      throw new PlatformError('PLT_RUNTIME_UNAVAILABLE', `PLATFORM_RUNTIME=docker but no Docker engine answers at ${where}. Run scripts/install-docker.sh.`);
    }
    return { kind: 'process', reason: `no Docker engine answers at ${where}` };
  }
  const hasStack = await docker
    .getImage(config.stackImage)
    .inspect()
    .then(() => true, () => false);
  if (!hasStack) {
    if (config.runtime === 'docker') {
      throw new PlatformError('PLT_RUNTIME_UNAVAILABLE', `The stack image ${config.stackImage} is missing. Build it with: bash scripts/build-stack-image.sh`);
    }
    return { kind: 'process', reason: `Docker answers at ${where} but the stack image ${config.stackImage} is missing (bash scripts/build-stack-image.sh)` };
  }
  return { kind: 'docker', docker, reason: config.runtime === 'docker' ? 'PLATFORM_RUNTIME=docker' : `the Docker engine answers at ${where}` };
}

/**
 * PLATFORM_RUNTIME=swarm (never chosen by auto): the engine at PLATFORM_SWARM_DOCKER_HOST (else DOCKER_HOST) must
 * answer, be a swarm manager, and hold the stack image (builds run there). Throws PLT_RUNTIME_UNAVAILABLE saying
 * which of these is missing.
 */
async function chooseSwarm(config: Readonly<ServerConfig>): Promise<RuntimeDecision> {
  const host = config.swarmDockerHost ?? config.dockerHost;
  const where = host ?? 'unix:///var/run/docker.sock';
  const docker = dockerClient(host);
  let swarm: { LocalNodeState?: string; ControlAvailable?: boolean } | undefined;
  try {
    swarm = ((await docker.info()) as { Swarm?: typeof swarm }).Swarm;
  } catch {
    throw new PlatformError('PLT_RUNTIME_UNAVAILABLE', `PLATFORM_RUNTIME=swarm but no Docker engine answers at ${where} (PLATFORM_SWARM_DOCKER_HOST).`);
  }
  if (swarm?.LocalNodeState !== 'active' || !swarm.ControlAvailable) {
    throw new PlatformError('PLT_RUNTIME_UNAVAILABLE', `PLATFORM_RUNTIME=swarm but the engine at ${where} is not a swarm manager (docker swarm init, or point PLATFORM_SWARM_DOCKER_HOST at a manager).`);
  }
  const hasStack = await docker.getImage(config.stackImage).inspect().then(() => true, () => false);
  if (!hasStack) {
    throw new PlatformError('PLT_RUNTIME_UNAVAILABLE', `The stack image ${config.stackImage} is missing on the swarm manager at ${where}, where builds run. Build or load it there.`);
  }
  return { kind: 'swarm', docker, reason: `PLATFORM_RUNTIME=swarm, manager at ${where}` };
}
