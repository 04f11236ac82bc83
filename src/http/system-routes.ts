// Unauthenticated operational routes: health, the OpenAPI document, the API reference page, Prometheus metrics.
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Store } from '../db/database.ts';
import { docsPage } from './docs-page.ts';
import type { Metrics } from './metrics.ts';

export const systemRoutes =
  (deps: { store: Store; metrics: Metrics }): FastifyPluginAsync =>
  async (app) => {
    const hide = { hide: true };
    app.get('/healthz', { config: { access: 'public' }, schema: hide }, async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.store.db);
        return { status: 'ok', store: deps.store.kind };
      } catch {
        return reply.code(503).send({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unreachable' });
      }
    });

    app.get('/openapi.json', { config: { access: 'public' }, schema: hide }, async () => app.swagger());

    app.get('/metrics', { config: { access: 'public' }, schema: hide }, async (_request, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });

    await app.register(docsPage);
  };
