import { access } from 'node:fs/promises';
import { ErrorCodes, PlatformError, isPlatformError } from '@platform/types';
import type { Builder, Runtime } from '@platform/types';
import type { AppRecord, BuildRecord, ReleaseRecord, Store, User } from '@platform/store-postgres';
import type { ProcessManager } from '@platform/process-manager';
import type { GitPush } from '@platform/git-http';
import type { Logger } from 'pino';
import { runReleasePhase } from './release-phase.ts';
import { failedDyno, releaseFailure, tailDynoOutput, type ReleaseStage } from './release-failure.ts';
import { releaseTarget as targetOf } from './targets.ts';
import type { Failpoint } from '../failpoints.ts';

export interface DeployerOptions {
  store: Store;
  builder: Builder;
  /** Runs the release phase's one-off dyno. */
  runtime: Pick<Runtime, 'start' | 'stop' | 'onOutput' | 'onExit'>;
  manager: Pick<ProcessManager, 'deploy'>;
  logger: Logger;
  slugsDir: string;
  releaseTimeoutMs: number;
  webUrl(app: string): string;
  /** Turns a finished local build into the runtime's artifact (docker: an image); identity in process mode. */
  toImage?: ((input: { app: AppRecord; buildId: string; slugPath: string }) => Promise<string>) | undefined;
  onEvent?: ((appId: string, source: string, message: string) => void) | undefined;
  /** Receives each build output line too (the app's log stream shows it as `platform[build]`). */
  onBuildOutput?: ((appId: string, line: string) => void) | undefined;
  /**
   * Docker and swarm mode: makes sure each of a release's images exists, recreating a collected one from the
   * release's slug (same tag; no rebuild of the source), and on swarm that the registry has it (pushed). Called before
   * every rollout, so a rollback to any release whose slug exists works; `slugPath` null for Dockerfile images.
   */
  ensureImage?: ((input: { app: AppRecord; buildId: string; slugPath: string | null; images: string[] }) => Promise<void>) | undefined;
  /**
   * Docker mode: whether an image exists. A Dockerfile build's image is its only artifact (no slug to recreate it
   * from): once collected, its releases cannot run again.
   */
  imageExists?: ((image: string) => Promise<boolean>) | undefined;
  /** Called at each named step (tests make platformd die there: see failpoints.ts). */
  failpoint?: ((name: Failpoint) => void) | undefined;
}

export type Deployer = ReturnType<typeof createDeployer>;

/**
 * What git-http's `authorize` resolves for a push (services/pushes.ts `authorizePush`) and hands to `onPush` as
 * `push.principal`: the pusher and the app, looked up once per request.
 */
export interface PushPrincipal {
  user: User;
  app: AppRecord;
  /** The pusher's address, for the audit trail. */
  address?: string;
}

/**
 * Build → release → run, for a push, a config change or a rollback. Each release goes through the same gate:
 * the release phase (Procfile `release:`) on the new release, then a health-gated rollout; failure of either
 * marks the release failed and leaves the running one serving.
 */
export function createDeployer(options: DeployerOptions) {
  const { store, logger } = options;
  const emit = (appId: string, message: string) => options.onEvent?.(appId, 'api', message);
  const failpoint = options.failpoint ?? (() => undefined);

  const releaseTarget = (release: ReleaseRecord, build?: BuildRecord | null) => targetOf(store, options.slugsDir, release, build);

  /**
   * Runs the release phase (if any) and rolls the app onto the release. Returns the final status. On failure the
   * release is marked failed with why (`releaseFailure`: its release command, a web dyno's boot, or else), the
   * app's log says so, a failed boot's dyno output (its last lines) goes to `output`, and the error is rethrown with
   * that reason as its message (its code kept: PLT_RELEASE_FAILED, PLT_BOOT_TIMEOUT, …; `details.failure`).
   * `skipReleasePhase`: a release made by an add-on's config change goes live without the release command, as
   * on Heroku.
   */
  async function deployRelease(
    app: AppRecord,
    release: ReleaseRecord,
    output: (line: string) => void = () => {},
    opts: { skipReleasePhase?: boolean } = {},
  ) {
    const target = await releaseTarget(release);
    let stage: ReleaseStage = 'prepare';
    const tail = tailDynoOutput(options.runtime, app.name);
    try {
      const images = [...new Set([target.artifact.image, ...Object.values(target.artifact.images ?? {})].filter((i): i is string => Boolean(i)))];
      if (options.ensureImage && images.length > 0 && release.buildId) {
        await options.ensureImage({ app, buildId: release.buildId, slugPath: target.artifact.slugPath ?? null, images });
      }
      await store.formations.ensureTypes(app.id, Object.keys(target.commands).filter((t) => t !== 'release'));
      if (target.commands.release !== undefined && !opts.skipReleasePhase) {
        stage = 'release_command';
        output('Running release command...');
        emit(app.id, `Running release v${release.version} commands`);
        let first = true;
        const phaseOutput = (line: string) => {
          output(line);
          if (!first) return;
          first = false;
          failpoint('during-release-phase');
        };
        await runReleasePhase({ runtime: options.runtime, app, target, timeoutMs: options.releaseTimeoutMs, output: phaseOutput });
      }
      stage = 'rollout';
      // Marked succeeded (so current) under the manager's app lock, before any reconcile can run.
      await options.manager.deploy(app.id, target, () => store.releases.setStatus(release.id, 'succeeded'));
      emit(app.id, `Release v${release.version} created`);
      return 'succeeded' as const;
    } catch (err) {
      const failure = releaseFailure(err, stage);
      await store.releases.setStatus(release.id, 'failed', failure);
      emit(app.id, `Release v${release.version} failed: ${failure.message}`);
      logger.warn({ app: app.name, version: release.version, failure: failure.kind, err }, 'release failed');
      const dyno = failedDyno(err);
      const said = dyno ? tail.lines(dyno.id) : [];
      if (said.length > 0) output(`       ${dyno!.name} said before it stopped:`);
      for (const line of said) output(`       | ${line}`);
      throw new PlatformError(isPlatformError(err) ? err.code : ErrorCodes.releaseFailed, failure.message, { cause: err, details: { failure } });
    } finally {
      tail.stop();
    }
  }

  async function onPush(push: GitPush): Promise<void> {
    // The app authorize() resolved for this receive-pack request: no second lookup by name.
    const { user, app } = push.principal as PushPrincipal;
    const sha = push.update.newSha;
    const build = await store.builds.create({ appId: app.id, userId: user.id, sourceVersion: sha });
    emit(app.id, `Build started by user ${user.email}`);
    failpoint('after-receive');
    // Build lines go to the pushing client and into the app's stream (release-phase output reaches the
    // stream as app[release.N] through the runtime, so only the build itself is teed here).
    const buildOutput = (line: string) => {
      push.output(line);
      options.onBuildOutput?.(app.id, line);
      if (/^-----> .* app detected$/.test(line)) failpoint('during-compile');
    };
    let result;
    let built = false;
    try {
      const env = await store.config.get(app.id);
      // The archive is spawned only now, with no await between it and the builder taking hold of it.
      result = await options.builder.build({
        app: app.name,
        appId: app.id,
        buildId: build.id,
        source: push.archive(sha),
        env,
        buildpacks: app.buildpacks,
        output: buildOutput,
      });
      built = true;
      failpoint('after-slug');
      let image: string | undefined;
      if (options.toImage && result.slug) {
        buildOutput('-----> Creating image...');
        image = await options.toImage({ app, buildId: build.id, slugPath: result.slug.path });
        buildOutput(`       Image ${image}`);
      }
      await store.builds.succeed(build.id, {
        buildpack: result.buildpack,
        processTypes: result.processTypes,
        slugChecksum: result.slug?.checksum ?? null,
        slugSize: result.slug?.size ?? null,
        image: image ?? result.image ?? null,
        images: result.images ?? null,
      });
      emit(app.id, 'Build succeeded');
      failpoint('after-image');
    } catch (err) {
      await store.builds.fail(build.id, (err as Error).message);
      emit(app.id, 'Build failed');
      // The builder has explained its own failures on the output (Builder contract): git-http must not repeat them.
      if (isPlatformError(err) && err.code === ErrorCodes.buildFailed && built === false) {
        throw new PlatformError(ErrorCodes.buildFailed, err.message, { cause: err, details: { shown: true } });
      }
      throw isPlatformError(err) ? err : new PlatformError('PLT_BUILD_FAILED', 'Build failed.', { cause: err });
    }

    const release = await store.releases.createForBuild({
      appId: app.id,
      buildId: build.id,
      description: `Deploy ${sha.slice(0, 8)}`,
      userId: user.id,
      status: 'pending',
    });
    emit(app.id, `Deploy ${sha.slice(0, 8)} by user ${user.email}`);
    failpoint('after-release-row');
    push.output('-----> Launching...');
    if (result.processTypes.release !== undefined) {
      push.output(' !     Release command declared: this new release will not be available until the command succeeds.');
    }
    try {
      await deployRelease(app, release, (line) => push.output(line));
    } catch (err) {
      throw new PlatformError('PLT_RELEASE_FAILED', `Release v${release.version} failed: ${(err as Error).message}`, { cause: err });
    }
    push.output(`       Released v${release.version}`);
    push.output(`       ${options.webUrl(app.name)} deployed to platform`);
    push.output('');
  }

  /**
   * Throws PLT_CONFLICT when `release` cannot run again because its slug is gone, or, for a Dockerfile build,
   * its image (so a rollback to it is refused before a version is allocated). A buildpack build's collected image
   * is no obstacle: `ensureImage` recreates it from the slug.
   */
  async function assertRunnable(release: ReleaseRecord): Promise<void> {
    const target = await releaseTarget(release);
    const { slugPath, image, images } = target.artifact;
    if (slugPath === undefined) {
      // Every image of the release (one per process type where heroku.yml built several) must still be there.
      for (const each of new Set([...(image ? [image] : []), ...Object.values(images ?? {})])) {
        if (options.imageExists && !(await options.imageExists(each))) {
          throw new PlatformError(
            'PLT_CONFLICT',
            `v${release.version} cannot run again: its image (built from the app's Dockerfile) was collected (${each}), and a Dockerfile build has no slug to recreate it from. Deploy its code again instead (git push).`,
          );
        }
      }
      return;
    }
    if (!(await access(slugPath).then(() => true, () => false))) {
      throw new PlatformError('PLT_CONFLICT', `v${release.version} cannot run again: its slug is gone. Deploy its code again instead (git push).`);
    }
  }

  return {
    onPush,
    deployRelease,
    assertRunnable,
    releaseTarget,
    /** Records a platform event (`Scaled to web@2`, …) on the app's stream. */
    event: (appId: string, message: string) => emit(appId, message),
  };
}
