import { fileURLToPath } from 'node:url';

/** The Lua action the proxy loads for H12 (shipped with the package, copied into the router's directory at start). */
export const FIRST_BYTE_LUA_SOURCE = fileURLToPath(new URL('../lua/first-byte.lua', import.meta.url));

/**
 * How early (ms) a response inspection may end and still count as the first-byte deadline rather than the dyno
 * closing its connection: HAProxy's timers and the `date` fetch read one clock, a tick apart at most.
 */
const DEADLINE_SLACK_MS = 50;

/**
 * Heroku's two dyno timeouts in an app backend, on HAProxy 2.6, whose one server inactivity timeout (`timeout
 * server`, set to the rolling mid-response window) cannot differ before and after the first response byte:
 *
 * - A request whose whole message was received with its headers (no body, or a body that came along; HTX's
 *   end-of-message flag) is sent to the dyno as soon as the connection is up. `tcp-response inspect-delay` starts
 *   there; a response line accepts the response at once; at the end of the delay with none, the Lua action
 *   `platform-h12` answers 503 H12 (lua/first-byte.lua) and the mid-response window never saw this wait.
 * - A request whose body is still arriving (an upload) keeps the server timeout at the first-byte value
 *   (`set-timeout server`): each byte written to the dyno restarts it, so it runs from the end of the body, as
 *   Heroku's does. Its response's gaps are then held to that value too (the one case that differs; README).
 *
 * `requestMs` is the first-byte timeout; `appErrorPage` the page H12 answers with.
 */
export function firstByteRules(requestMs: number, appErrorPage: string): string[] {
  const delay = `${Math.max(1, Math.round(requestMs))}ms`;
  const expired = Math.max(0, Math.round(requestMs) - DEADLINE_SLACK_MS);
  return [
    // `internal.htx.has_eom`: the whole request is in the buffer (2.6 has no other fetch that tells it).
    '  http-request set-var(txn.streamed) bool(true) unless { internal.htx.has_eom }',
    `  http-request set-timeout server ${delay} if { var(txn.streamed) -m bool }`,
    `  tcp-response inspect-delay ${delay}`,
    // The first inspection runs once the dyno's connection is up (after any wait in the backlog).
    '  tcp-response content set-var(txn.sent) date(0,ms) unless { var(txn.sent) -m found }',
    '  tcp-response content accept if { var(txn.streamed) -m bool }',
    '  tcp-response content accept if { res.ver -m found }',
    // Reached early when the dyno closes without a response: that stays H13 (`SH`), not H12.
    `  tcp-response content lua.platform-h12 ${appErrorPage} if { date(0,ms),sub(txn.sent) ge ${expired} }`,
  ];
}
