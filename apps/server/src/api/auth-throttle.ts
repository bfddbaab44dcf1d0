import { ErrorCodes, PlatformError } from '@platform/types';

/**
 * Counts failed authentications per source address in fixed windows: once an address has failed `max` times in
 * the current window, `check` refuses it (PLT_RATE_LIMITED, 429, `details.retryAfter` seconds until the window
 * ends), even with good credentials, so guessing passwords or tokens costs a window per `max` tries. Memory is
 * bounded: past `maxAddresses` tracked addresses the oldest entry is dropped.
 */
export interface AuthThrottle {
  /** @throws PLT_RATE_LIMITED when `address` is over the limit. */
  check(address: string): void;
  failed(address: string): void;
  /** `check` and `failed` bound to one address (what services/pushes.ts takes). */
  forAddress(address: string): { check(): void; failed(): void };
}

export function createAuthThrottle(options: { max: number; windowMs: number; maxAddresses?: number; now?: () => number }): AuthThrottle {
  const now = options.now ?? Date.now;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (address: string) => {
    const w = windows.get(address);
    if (w && now() - w.start < options.windowMs) return w;
    if (w) windows.delete(address);
    return null;
  };
  const throttle: AuthThrottle = {
    forAddress: (address) => ({ check: () => throttle.check(address), failed: () => throttle.failed(address) }),
    check(address) {
      const w = current(address);
      if (!w || w.failures < options.max) return;
      const retryAfter = Math.max(1, Math.ceil((w.start + options.windowMs - now()) / 1000));
      throw new PlatformError(ErrorCodes.rateLimited, `Too many failed logins from your address; try again in ${retryAfter} seconds.`, { details: { retryAfter } });
    },
    failed(address) {
      const w = current(address);
      if (w) {
        w.failures++;
        return;
      }
      if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value!);
      windows.set(address, { start: now(), failures: 1 });
    },
  };
  return throttle;
}
