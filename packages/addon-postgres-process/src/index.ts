export { createProcessPostgresProvider, type ProcessPostgresOptions, type ProcessPostgresProvider } from './provider.ts';
