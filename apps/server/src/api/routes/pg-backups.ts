import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { backupJson, scheduleJson } from '../serialize-backups.ts';
import { backupName, captureBackup, deleteBackup, downloadBackup, getBackup, listBackups, restoreBackup } from '../../services/addon-backups.ts';
import { listSchedules, scheduleBackups, unscheduleBackups } from '../../services/addon-backup-schedules.ts';

/** `database` from a JSON body: absent, or a string (an attachment or add-on name). */
function databaseOf(body: unknown): string | undefined {
  const database = (body as { database?: unknown } | null | undefined)?.database;
  if (database === undefined || database === null) return undefined;
  if (typeof database !== 'string' || database.length === 0 || database.length > 100) {
    throw new PlatformError(ErrorCodes.invalidParams, 'database must be an attachment or add-on name, e.g. "DATABASE".');
  }
  return database;
}

/**
 * PostgreSQL backups (`pg:backups`; Heroku keeps these in its Data API, not the Platform API):
 * `/apps/:app/pg-backups[/:backup[/download|/actions/restore]]`, `/apps/:app/pg-backup-schedules[/:database]`.
 * A capture answers 202 with the `running` backup; GET it until `status` is `succeeded` or `failed`.
 * `latest` in place of a backup name restores the newest succeeded backup of the database.
 */
export function registerPgBackupRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/pg-backups', access('app:view'), async (request) => {
    return (await listBackups(ctx, request.user, request.params.app)).map(backupJson);
  });

  api.post<{ Params: { app: string } }>('/apps/:app/pg-backups', access('app:manage'), async (request, reply) => {
    const { view } = await captureBackup(ctx, request.user, request.params.app, databaseOf(request.body));
    reply.status(202);
    return backupJson(view);
  });

  api.get<{ Params: { app: string; backup: string } }>('/apps/:app/pg-backups/:backup', access('app:view'), async (request) => {
    return backupJson(await getBackup(ctx, request.user, request.params.app, request.params.backup));
  });

  api.delete<{ Params: { app: string; backup: string } }>('/apps/:app/pg-backups/:backup', access('app:manage'), async (request) => {
    return backupJson(await deleteBackup(ctx, request.user, request.params.app, request.params.backup));
  });

  api.post<{ Params: { app: string; backup: string } }>('/apps/:app/pg-backups/:backup/actions/restore', access('app:manage'), async (request) => {
    const name = request.params.backup === 'latest' ? undefined : request.params.backup;
    return backupJson(await restoreBackup(ctx, request.user, request.params.app, name, databaseOf(request.body)));
  });

  api.get<{ Params: { app: string; backup: string } }>('/apps/:app/pg-backups/:backup/download', access('app:manage'), async (request, reply) => {
    const { stream, backup, app } = await downloadBackup(ctx, request.user, request.params.app, request.params.backup);
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-disposition', `attachment; filename="${app.name}-${backupName(backup)}.dump"`);
    if (backup.sizeBytes !== null) reply.header('content-length', String(backup.sizeBytes));
    return reply.send(stream);
  });

  api.get<{ Params: { app: string } }>('/apps/:app/pg-backup-schedules', access('app:view'), async (request) => {
    return (await listSchedules(ctx, request.user, request.params.app)).map(scheduleJson);
  });

  api.put<{ Params: { app: string; database: string } }>('/apps/:app/pg-backup-schedules/:database', access('app:manage'), async (request) => {
    const at = (request.body as { at?: unknown } | null | undefined)?.at;
    return scheduleJson(await scheduleBackups(ctx, request.user, request.params.app, request.params.database, at));
  });

  api.delete<{ Params: { app: string; database: string } }>('/apps/:app/pg-backup-schedules/:database', access('app:manage'), async (request) => {
    return scheduleJson(await unscheduleBackups(ctx, request.user, request.params.app, request.params.database));
  });
}
