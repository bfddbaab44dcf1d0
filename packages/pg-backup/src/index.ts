export { findPgTools, type PgTools } from './tools.ts';
export { captureDump, readDump, restoreDump } from './dump.ts';
