export { createProcessPostgresProvider, type ProcessPostgresOptions, type ProcessPostgresProvider } from './provider.ts';
export { stopDetachedServer } from './detached-server.ts';
