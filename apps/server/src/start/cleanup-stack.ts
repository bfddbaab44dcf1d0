import type { Logger } from 'pino';

/**
 * What start-up has opened, closed in reverse on shutdown or on a failed start: each step `defer`s the undoing
 * of what it made, right after making it. `run` never throws; a failed close is logged and the rest go on.
 */
export function createCleanupStack(logger: Logger) {
  const steps: Array<() => Promise<unknown>> = [];
  return {
    defer(fn: () => Promise<unknown>): void {
      steps.push(fn);
    },
    async run(): Promise<void> {
      for (let fn = steps.pop(); fn; fn = steps.pop()) await fn().catch((err) => logger.warn({ err }, 'shutdown step failed'));
    },
  };
}

export type CleanupStack = ReturnType<typeof createCleanupStack>;
