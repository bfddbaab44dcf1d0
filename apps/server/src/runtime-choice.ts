import Docker from 'dockerode';
import type { Logger } from 'pino';
import { PlatformError } from '@platform/types';
import type { ServerConfig } from './config.ts';

export type RuntimeDecision =
  | { kind: 'docker'; docker: Docker; reason: string }
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
