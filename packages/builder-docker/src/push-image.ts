import type Docker from 'dockerode';
import { ErrorCodes, PlatformError } from '@platform/types';
import { dockerError } from '@platform/docker-kit';

export interface PushReleaseImageOptions {
  /** The engine that holds the image (and pushes it). */
  docker: Docker;
  /** A release image, `platform/<app>:<build id>`. */
  image: string;
  /** The registry every swarm node pulls from, `host[:port]` (e.g. `127.0.0.1:5000`). */
  registry: string;
}

const REGISTRY_RE = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;
const IMAGE_RE = /^platform\/[a-z][a-z0-9-]{1,28}[a-z0-9]:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Pushes a release image to a registry under the same name and build tag, `<registry>/platform/<app>:<build>`,
 * so that every node of a swarm can pull it (an image built on one node is unknown to the others). Resolves
 * with that reference once the registry has it. Rejects with PLT_INVALID_PARAMS for a malformed image or
 * registry, and with PLT_RUNTIME_UNAVAILABLE when the engine or the registry refuses or does not answer (a message
 * naming the registry, then Docker's reason).
 *
 *   const ref = await pushReleaseImage({ docker, image: 'platform/shop:b1', registry: '127.0.0.1:5000' });
 */
export async function pushReleaseImage(options: PushReleaseImageOptions): Promise<string> {
  const { docker, image, registry } = options;
  if (!REGISTRY_RE.test(registry))
    throw new PlatformError(ErrorCodes.invalidParams, 'Invalid registry (host or host:port).');
  if (!IMAGE_RE.test(image))
    throw new PlatformError(ErrorCodes.invalidParams, 'Invalid release image reference.');
  const [repo, tag] = image.split(':') as [string, string];
  const target = `${registry}/${repo}`;
  try {
    await docker.getImage(image).tag({ repo: target, tag });
    // The registry may have no auth, but the engine wants the header all the same.
    const stream = (await docker
      .getImage(`${target}:${tag}`)
      .push({ authconfig: { serveraddress: registry } })) as NodeJS.ReadableStream;
    const events: Array<{ error?: string }> = await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) =>
        err ? reject(err) : resolve(out),
      ),
    );
    const failed = events.find((e) => e.error);
    if (failed) throw new Error(failed.error);
  } catch (err) {
    // A `git push` shows this: which registry, that nothing changed, what to do; then Docker's reason.
    const cause = dockerError(`push ${image} to ${registry}`, err, { image, registry });
    throw new PlatformError(
      ErrorCodes.runtimeUnavailable,
      `The image registry ${registry} did not take the release image, so no node could run it; the running release is unchanged. Push again once the registry answers. (${cause.message})`,
      { cause, details: cause.details },
    );
  }
  return `${target}:${tag}`;
}
