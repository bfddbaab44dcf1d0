import type { DynoExit, DynoOutput, Runtime } from '@platform/types';
import type { RuntimeLogger } from './runtime-logger.ts';

/** A set of listeners of one event. */
export interface ListenerSet<T> {
  /** Adds a listener; returns the function that removes it (calling it twice is harmless). */
  add(listener: (value: T) => void): () => void;
  /**
   * Calls every listener in the order added (one added meanwhile is called too, one removed meanwhile is not).
   * A listener that throws is reported to `onError`; the others still run.
   */
  emit(value: T): void;
  readonly size: number;
}

/**
 * A listener set whose listeners cannot break the emitter: a throwing listener is handed to `onError`
 * (default: ignored) and the next listener runs.
 *
 *   const exits = createListenerSet<DynoExit>((err) => logger.error({ err }, 'exit listener failed'));
 *   const off = exits.add((e) => console.log(e.code));
 *   exits.emit(exit); off();
 */
export function createListenerSet<T>(onError: (err: unknown) => void = () => undefined): ListenerSet<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(value) {
      for (const listener of listeners) {
        try {
          listener(value);
        } catch (err) {
          onError(err);
        }
      }
    },
    get size() {
      return listeners.size;
    },
  };
}

/**
 * The two event streams of every `Runtime`: `onExit`/`onOutput` for its users, `exit()`/`output()` for the
 * driver. A listener that throws is logged (`runtime exit listener failed` / `runtime output listener failed`)
 * and never reaches the driver.
 *
 *   const events = createRuntimeEvents(logger);
 *   return { ...driverMethods, onExit: events.onExit, onOutput: events.onOutput };
 */
export interface RuntimeEvents extends Pick<Runtime, 'onExit' | 'onOutput'> {
  /** Reports one dyno exit to every exit listener. */
  exit(exit: DynoExit): void;
  /** Reports one output line to every output listener. */
  output(output: DynoOutput): void;
}

export function createRuntimeEvents(logger?: RuntimeLogger | undefined): RuntimeEvents {
  const exits = createListenerSet<DynoExit>((err) => logger?.error({ err }, 'runtime exit listener failed'));
  const outputs = createListenerSet<DynoOutput>((err) => logger?.error({ err }, 'runtime output listener failed'));
  return {
    onExit: (listener) => exits.add(listener),
    onOutput: (listener) => outputs.add(listener),
    exit: (exit) => exits.emit(exit),
    output: (output) => outputs.emit(output),
  };
}
