/**
 * What a revocation takes away: every session of a token, of a user, or of a user on one app (access removed,
 * app transferred), or of everyone on an app (destroyed). Fields combine with AND; an empty scope matches nothing.
 */
export interface RevokedScope {
  tokenId?: string;
  userId?: string;
  appId?: string;
}

/**
 * Long-lived sockets (log tails, attach sessions) authenticate once, when they open; the services announce each
 * revocation here so the API can close the ones it covers at once (`api/live-sessions.ts`).
 */
export interface AccessEvents {
  revoked(scope: RevokedScope): void;
}

/** True when a session opened by `session` falls under `scope`. */
export function coveredBy(scope: RevokedScope, session: { tokenId: string | null; userId: string; appId: string }): boolean {
  if (scope.tokenId === undefined && scope.userId === undefined && scope.appId === undefined) return false;
  return (
    (scope.tokenId === undefined || scope.tokenId === session.tokenId) &&
    (scope.userId === undefined || scope.userId === session.userId) &&
    (scope.appId === undefined || scope.appId === session.appId)
  );
}

/** An in-process AccessEvents whose listeners (the API's session registries) hear every revocation. */
export function createAccessEvents(): AccessEvents & { subscribe(listener: (scope: RevokedScope) => void): () => void } {
  const listeners = new Set<(scope: RevokedScope) => void>();
  return {
    revoked(scope) {
      for (const listener of listeners) listener(scope);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type AccessEventBus = ReturnType<typeof createAccessEvents>;
