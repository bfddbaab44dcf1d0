export { createHaproxyRouter, type HaproxyRouter, type HaproxyRouterOptions, type RouterLogger } from './router.ts';
export { DEFAULT_TIMEOUTS, defaultThreads, LOG_FORMAT, renderConfig, renderMaps, type PlatformApiRoute, type ProxyTimeouts } from './haproxy-config.ts';
export { hCodeOf, parseAccessLine } from './access-log.ts';
export { livePid, stopProxy } from './proxy-process.ts';
