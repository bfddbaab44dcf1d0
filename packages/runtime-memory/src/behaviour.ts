import type { DynoSpec } from '@platform/types';

/**
 * How a fake dyno behaves. Every field is optional; the defaults make a well-behaved dyno: a web dyno binds its
 * port at once and answers 200, nothing exits on its own, the stop signal ends it.
 */
export interface DynoBehaviour {
  /**
   * When a web dyno binds its port (other types never bind): `'start'` (before `start()` resolves; default),
   * `'never'` (the port stays closed: the manager's boot timeout), a delay in ms, or `'manual'` (`bind(id)`).
   */
  bind?: 'start' | 'never' | 'manual' | number | undefined;
  /** Status of every HTTP answer of the dyno's port (health checks). Default 200. */
  httpStatus?: number | undefined;
  /** Lines the dyno writes to stdout right after it started. */
  output?: readonly string[] | undefined;
  /** Exits on its own this long after start (a crash at boot, a short one-off), ms. */
  exitAfterMs?: number | undefined;
  /** Exit code for `exitAfterMs`. Default 1. */
  exitCode?: number | undefined;
  /**
   * What the stop signal does: `'signal'` (killed by it: code null, signal SIGTERM/SIGHUP/SIGINT; default),
   * `'exit-0'` (a graceful app: exits 0), `'ignore'` (ignores it: SIGKILL after the grace period).
   */
  onStop?: 'signal' | 'exit-0' | 'ignore' | undefined;
  /** `start()` rejects with this (a missing image, a full host, …) and no dyno is created. */
  startError?: Error | undefined;
}

/** A behaviour for every dyno, or one chosen from its spec (`(spec) => spec.type === 'web' ? {...} : {}`). */
export type BehaviourRule = DynoBehaviour | ((spec: DynoSpec) => DynoBehaviour | undefined);

export function behaviourFor(rule: BehaviourRule | undefined, spec: DynoSpec): DynoBehaviour {
  if (!rule) return {};
  return (typeof rule === 'function' ? rule(spec) : rule) ?? {};
}
