import { randomBytes } from 'node:crypto';

/** One open receive-pack: what the hook's callback is allowed to act on. */
export interface PushSession {
  app: string;
  principal: unknown;
  repoDir: string;
  /** True when the push came from a shallow clone (its request starts with `shallow` lines); known once the hook runs. */
  shallow(): boolean;
  controller: AbortController;
  /** Resolves when receive-pack has exited (refs updated or not). */
  ended: Promise<void>;
}

/**
 * Nonce → session. A nonce is handed to receive-pack through its env only (never argv, never logged)
 * and is valid for one hook callback.
 */
export interface PushSessions {
  open(session: Omit<PushSession, 'controller' | 'ended'>): { nonce: string; session: PushSession };
  /** Returns the session and forgets the nonce (one-time). */
  take(nonce: string): PushSession | undefined;
  /** Ends the session (receive-pack exited): forgets its nonce if unused. */
  close(nonce: string, session: PushSession): void;
  abortAll(): void;
}

export function createPushSessions(): PushSessions {
  const byNonce = new Map<string, PushSession>();
  const live = new Map<PushSession, () => void>();
  return {
    open(fields) {
      const nonce = randomBytes(32).toString('hex');
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      const session: PushSession = { ...fields, controller: new AbortController(), ended };
      byNonce.set(nonce, session);
      live.set(session, end);
      return { nonce, session };
    },
    take(nonce) {
      const session = byNonce.get(nonce);
      byNonce.delete(nonce);
      return session;
    },
    close(nonce, session) {
      byNonce.delete(nonce);
      live.get(session)?.();
      live.delete(session);
    },
    abortAll() {
      for (const [s, end] of live) {
        s.controller.abort();
        end();
      }
      live.clear();
    },
  };
}
