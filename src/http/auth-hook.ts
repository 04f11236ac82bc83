// onRequest hook: authenticates every non-public route before its body is read, and enforces read-only keys.
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticate.ts';
import { HttpError } from './errors.ts';
import './route-config.ts';

export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    // Every route declares its access level (checked when it is registered: see route-config.ts); a request that
    // matched no route has none and only reaches the not-found answer.
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    const result = await authenticator.authenticate(request.headers.authorization);
    if (!result.ok) throw new HttpError(result.code, result.message);
    // Attached before the access check, so that a refused write is still charged to the key's rate limit.
    request.principal = result.value;
    if (access === 'write' && result.value.access !== 'read_write') {
      throw new HttpError('FORBIDDEN', 'This API key is read-only; use a read-write key for this request');
    }
  });
}
