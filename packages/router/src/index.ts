export {
  createRouter,
  pickTarget,
  type RouteTarget,
  type Router,
  type RouterLogger,
  type RouterOptions,
} from './router.ts';
export { formatRouterLogLine, type RouterLogEntry } from './log-line.ts';
export { appFromHost } from './host.ts';
export { requestIdFrom } from './headers.ts';
