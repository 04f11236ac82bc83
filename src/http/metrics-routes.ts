// GET /metrics (Prometheus text), optionally behind a bearer token (COFFER_METRICS_TOKEN) or on its own port (COFFER_METRICS_PORT).
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/config.ts';
import type { Metrics } from './metrics.ts';

type MetricsConfig = Pick<Config, 'host' | 'metricsToken' | 'metricsPort'>;

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function addMetricsRoute(app: FastifyInstance, config: MetricsConfig, metrics: Metrics): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (config.metricsToken !== null && !tokenMatches(request.headers.authorization, config.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return reply.code(401).send({ code: 'UNAUTHORIZED', message: 'GET /metrics needs Authorization: Bearer <COFFER_METRICS_TOKEN>' });
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  };
  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, handler);
}

/**
 * On the API's own listener unless COFFER_METRICS_PORT is set; then on a second, bare Fastify instance that listens at
 * HOST:COFFER_METRICS_PORT when the application is ready (so a busy port fails the start-up) and closes with it.
 */
export const metricsRoutes =
  (deps: { config: MetricsConfig; metrics: Metrics }): FastifyPluginAsync =>
  async (app) => {
    const { config, metrics } = deps;
    if (config.metricsPort === null) {
      addMetricsRoute(app, config, metrics);
      return;
    }
    const port = config.metricsPort;
    const server = Fastify({ logger: false });
    addMetricsRoute(server, config, metrics);
    app.addHook('onReady', async () => {
      await server.listen({ host: config.host, port });
    });
    app.addHook('onClose', async () => {
      await server.close();
    });
  };
