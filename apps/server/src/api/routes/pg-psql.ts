import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { dynoJson } from '../serialize.ts';
import { startPsql } from '../../services/pg-psql.ts';
import { access } from '../access.ts';
import { attachUrlFor, type AttachSessions } from './one-offs.ts';

/**
 * `POST /apps/:app/pg-psql` (beyond Heroku's API: its CLI runs psql locally): psql in a one-off dyno of the app,
 * connected to one of its PostgreSQL attachments (`services/pg-psql.ts`). Body: Dyno Create's fields (`attach`,
 * `force_no_tty`, `env`, `size`, `time_to_live`) plus `database` (`DATABASE`, an attachment or add-on name) and
 * `command` (SQL for psql's `-c`). Answers 201 with the dyno, its `attach_url` when attached, and (beyond the dyno
 * shape) `addon` and `config_var`, for the CLI's "Connecting to" line.
 */
export function registerPgPsqlRoutes(api: FastifyInstance, ctx: ApiContext, sessions: AttachSessions): void {
  api.post<{ Params: { app: string } }>('/apps/:app/pg-psql', access('app:deploy'), async (request, reply) => {
    const { app, oneOff, run, addon, configVar } = await startPsql(ctx, request.user, request.params.app, request.body);
    let attachUrl: string | null = null;
    if (run.attach) {
      const secret = sessions.create(oneOff, { appId: app.id, userId: request.user.id, tokenId: request.tokenId });
      attachUrl = attachUrlFor(ctx.urls, request.headers['user-agent'], secret);
    }
    reply.status(201);
    return { ...dynoJson(app, oneOff.status, run.sizeName), attach_url: attachUrl, addon: { name: addon }, config_var: configVar };
  });
}
