import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { userJson } from '../serialize.ts';
import { acceptInvitation, createUser, findUser, listUsers, removeUser, requireAdmin, setUserDisabled } from '../../services/users.ts';
import { ErrorCodes, PlatformError } from '@platform/types';

type UserParams = { Params: { user: string } };

/** Users, for admins (`platform users`, `users:create`, `users:disable`, `users:remove`), and accepting an invitation. */
export function registerUserRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/users', access('admin'), async (request) => (await listUsers(ctx, request.user)).map(userJson));

  api.post('/users', access('admin'), async (request, reply) => {
    const body = (request.body ?? {}) as { email?: unknown; password?: unknown; admin?: unknown };
    const { user, inviteCode } = await createUser(ctx, request.user, body);
    reply.status(201);
    return { ...userJson(user), invite_code: inviteCode };
  });

  api.get<UserParams>('/users/:user', access('admin'), async (request) => {
    requireAdmin(request.user);
    return userJson(await findUser(ctx, request.params.user));
  });

  // `{"disabled": true}` disables (tokens and password stop working, open sessions close); false re-enables.
  api.patch<UserParams>('/users/:user', access('admin'), async (request) => {
    const { disabled } = (request.body ?? {}) as { disabled?: unknown };
    if (typeof disabled !== 'boolean') throw new PlatformError(ErrorCodes.invalidParams, 'Send {"disabled": true} or {"disabled": false}.');
    return userJson(await setUserDisabled(ctx, request.user, request.params.user, disabled));
  });

  api.delete<UserParams>('/users/:user', access('admin'), async (request) => userJson(await removeUser(ctx, request.user, request.params.user)));

  // The code is the credential: `PATCH /invitations/<code>` with `{"password": "…"}`, once.
  api.patch<{ Params: { code: string } }>('/invitations/:code', access('public'), async (request) => {
    const { password } = (request.body ?? {}) as { password?: unknown };
    const user = await acceptInvitation(ctx, request.params.code, password);
    return { id: user.id, email: user.email };
  });
}
