export { gitHttpPlugin } from './plugin.ts';
export { HOOK_ROUTE } from './hook-route.ts';
export type { AuthorizeRequest, GitHttpLogger, GitHttpOptions, GitPush, GitPushUpdate, GitService } from './types.ts';
