import pino from 'pino';
import { isPlatformError } from '@platform/types';
import { ConfigError, loadConfig } from './config.ts';
import { startPlatform } from './platform.ts';

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
    redact: { paths: ['req.headers.authorization', '*.token', '*.password', '*.env', '*.config'], censor: '[redacted]' },
  });
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  try {
    platform = await startPlatform(config, logger);
  } catch (err) {
    logger.fatal({ err }, isPlatformError(err) ? err.message : 'platformd failed to start');
    process.exit(1);
  }
  logger.info({ api: platform.apiUrl, router: platform.routerUrl, runtime: platform.runtime }, 'platformd ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
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
}

void main();
