export { formatRouterLogLine, type RouterLogEntry } from './log-line.ts';
export { atOf, H_CODES, type HCode } from './h-codes.ts';
export { REQUEST_ID_RE, requestIdFrom } from './request-id.ts';
export { APP_ERROR_PAGE, BAD_REQUEST_PAGE, errorPage, MAINTENANCE_PAGE, NO_SUCH_APP_PAGE, REASONS } from './pages.ts';
export { appFromHost, createHostIndex, hostnameOf, wildcardSuffix, type HostIndex } from './hosts.ts';
export { ACME_CHALLENGE_PREFIX, ACME_KEY_AUTHORIZATION_RE, ACME_TOKEN_RE, checkChallenge } from './acme.ts';
