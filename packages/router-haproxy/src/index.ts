export { createHaproxyRouter, type HaproxyRouter, type HaproxyRouterOptions, type RouterLogger } from './router.ts';
export { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, defaultThreads, LOG_FORMAT, renderConfig, renderMaps, type PlatformApiRoute, type ProxyLimits, type ProxyTimeouts } from './haproxy-config.ts';
export { hCodeOf, parseAccessLine } from './access-log.ts';
export { livePid, stopProxy } from './proxy-process.ts';
export { stopRouterDir } from './log-keeper.ts';
