import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { Context } from '../../../context.ts';
import { formatBytes } from '../../../format/pg-backups.ts';
import { flagsOf, withApp } from '../../shared.ts';
import { backupOrLatest, backupsPath } from './shared.ts';

/**
 * `platform pg:backups:download [BACKUP] [-o FILE]`: the backup's dump (pg_dump's custom format, decrypted by the
 * server as it streams) written to FILE (default `latest.dump`, as Heroku's), created 0600 and complete or not at
 * all; read it with `pg_restore`.
 */
export function register(program: Command, ctx: Context): void {
  withApp(program.command('pg:backups:download').description('download a PostgreSQL backup to a file'))
    .argument('[backup]', 'backup id, e.g. b001 (default: the newest that succeeded)')
    .option('-o, --output <file>', 'where to write it', 'latest.dump')
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const flags = flagsOf<{ output: string }>(cmd);
      const api = await ctx.api(flags);
      const app = await ctx.app(flags);
      const backup = await backupOrLatest(api, app, name);
      const file = path.resolve(flags.output);
      const partial = `${file}.partial`;
      await ctx.action(`Downloading ${backup.name} to ${flags.output}`, async () => {
        const res = await api.stream(backupsPath(app, backup.name, '/download'));
        try {
          await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(partial, { mode: 0o600 }));
          await rename(partial, file);
        } catch (err) {
          await rm(partial, { force: true });
          throw err;
        }
      }, () => formatBytes(backup.size_bytes));
    });
}
