export { createNodeRouter, pickTarget, type NodeRouter, type NodeRouterOptions, type RouterLogger } from './router.ts';
export { VIA } from './headers.ts';
