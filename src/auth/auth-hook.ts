// onRequest hook: authenticates every non-public route before its body is read, and enforces read-only keys.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.ts';
import '../http/route-config.ts';
import type { Authenticator } from './authenticate.ts';

export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access ?? 'public';
    if (access === 'public') return;
    const principal = await authenticator.authenticate(request.headers.authorization);
    // Attached before the access check, so that a refused write is still charged to the key's rate limit.
    request.principal = principal;
    if (access === 'write' && principal.access !== 'read_write') {
      throw new HttpError('FORBIDDEN', 'This API key is read-only; use a read-write key for this request');
    }
  });
}
