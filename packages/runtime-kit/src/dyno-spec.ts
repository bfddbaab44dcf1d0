import { APP_NAME_RE, DYNO_NAME_RE, ErrorCodes, PROCESS_TYPE_RE, PlatformError, type DynoSpec } from '@platform/types';

/** The smallest memory limit a dyno may ask for, MiB (Docker refuses less than 6 MiB). */
export const MIN_DYNO_MEMORY_MB = 6;

export interface SpecRequirements {
  /** The driver runs release images: a spec without `artifact.image` is refused. Default false. */
  image?: boolean | undefined;
  /** The driver runs slugs (the process driver): an image built from a Dockerfile, without slug, is refused. */
  slug?: boolean | undefined;
  /** The driver's name in the "needs an image" message (`docker`, `swarm`). Default `docker`. */
  runtime?: string | undefined;
}

/**
 * Checks a dyno spec at the runtime boundary, before anything is created: app, process type and dyno name
 * against their allow-lists, a non-empty command without NUL bytes (empty: the image's CMD, `dockerfile` artifacts
 * only), a slug for a driver that runs slugs (`slug`), a sane size when one is given
 * (memory ≥ 6 MiB, ≥ 1 pid), and an image when the driver needs one. Config is checked separately, by
 * `appEnvironment`, where the environment is built.
 *
 *   validateDynoSpec(spec, { slug: true });  // process driver
 *   validateDynoSpec(spec, { image: true }); // docker driver
 *
 * Throws PLT_INVALID_PARAMS (details.field: `app` | `type` | `name` | `command` | `artifact` | `size`), or
 * PLT_RUNTIME_UNAVAILABLE when an image is required and the release has none (details: app, releaseId).
 */
export function validateDynoSpec(spec: DynoSpec, needs: SpecRequirements = {}): void {
  const bad = (field: string) => new PlatformError(ErrorCodes.invalidParams, `Invalid dyno spec: ${field}.`, { details: { field } });
  if (!APP_NAME_RE.test(spec.app)) throw bad('app');
  if (!PROCESS_TYPE_RE.test(spec.type)) throw bad('type');
  if (!DYNO_NAME_RE.test(spec.name)) throw bad('name');
  // An empty command means the image's own CMD, which only an image built from a Dockerfile has.
  const imageCommand = spec.artifact?.kind === 'dockerfile';
  if (typeof spec.command !== 'string' || (spec.command.length === 0 && !imageCommand) || spec.command.includes('\0')) {
    throw bad('command');
  }
  if (needs.slug === true && (imageCommand || !spec.artifact?.slugPath)) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      `Release ${spec.releaseVersion} of ${spec.app} is a Docker image built from its Dockerfile: only the docker runtime runs it.`,
      { details: { field: 'artifact', app: spec.app, releaseId: spec.releaseId } },
    );
  }
  if (needs.image && !spec.artifact?.image) {
    throw new PlatformError(
      ErrorCodes.runtimeUnavailable,
      `Release ${spec.releaseVersion} of ${spec.app} has no Docker image; the ${needs.runtime ?? 'docker'} runtime needs one (rebuild the app).`,
      { details: { app: spec.app, releaseId: spec.releaseId } },
    );
  }
  if (spec.size && !(spec.size.memoryMb >= MIN_DYNO_MEMORY_MB && spec.size.pids >= 1)) throw bad('size');
}
