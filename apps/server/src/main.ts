import pino, { type Logger } from 'pino';
import { isPlatformError } from '@platform/types';
import { ConfigError, loadConfig } from './config.ts';
import { startPlatform } from './platform.ts';
import { formatStartupFailure } from './startup-error.ts';
import { plainHttpWarning } from './listener-exposure.ts';

/**
 * Ends a start that failed: the whole error, causes included, in the JSON log (when there is a logger yet), and
 * one line on stderr that says why and, where known, what to do next. Exits 1.
 */
function failStart(err: unknown, logger: Logger | null): never {
  logger?.fatal({ err }, isPlatformError(err) ? err.message : 'platformd failed to start');
  process.stderr.write(`${formatStartupFailure(err)}\n`);
  process.exit(1);
}

/** platformd: the platform server (API + git + router + process manager). Config from PLATFORM_* env. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`platformd: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: 'platformd' },
    // Errors keep their `cause` chain as nested objects (the default serializer folds causes into one message).
    serializers: { err: pino.stdSerializers.errWithCause },
    redact: { paths: ['req.headers.authorization', '*.token', '*.password', '*.env', '*.config'], censor: '[redacted]' },
  });
  // Signals are handled from the start: a SIGTERM that arrives while the server starts (a supervisor's stop right
  // after launch) waits for the start to finish, then shuts down gracefully instead of killing it mid-way.
  let platform: Awaited<ReturnType<typeof startPlatform>> | null = null;
  let pendingSignal: string | null = null;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    if (!platform) {
      pendingSignal ??= signal;
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 60_000);
    force.unref();
    platform.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    platform = await startPlatform(config, logger);
  } catch (err) {
    failStart(err, logger);
  }
  const exposed = plainHttpWarning(platform.apiAddresses, platform.apiPort);
  if (exposed) {
    logger.warn({ addresses: platform.apiAddresses, port: platform.apiPort }, exposed);
    process.stderr.write(`platformd: warning: ${exposed}\n`);
  }
  logger.info({ api: platform.apiUrl, router: platform.routerUrl, runtime: platform.runtime }, 'platformd ready');
  if (pendingSignal) shutdown(pendingSignal);
}

main().catch((err: unknown) => failStart(err, null));
