// Unauthenticated operational routes: the root page, health, the OpenAPI document, the API reference page, Prometheus metrics.
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Store } from '../db/database.ts';
import { withCodeSamples } from './code-samples.ts';
import { docsPage } from './docs-page.ts';
import type { Metrics } from './metrics.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { rootPage } from './root-page.ts';

export const systemRoutes =
  (deps: { store: Store; metrics: Metrics; config: Config }): FastifyPluginAsync =>
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

    let document: object | undefined;
    app.get('/openapi.json', { config: { access: 'public' }, schema: hide }, async () => (document ??= withCodeSamples(app.swagger())));

    await app.register(metricsRoutes({ config: deps.config, metrics: deps.metrics }));
    await app.register(docsPage);
    await app.register(rootPage);
  };
