// The API reference page at /docs (Scalar), loaded on its first request: the package weighs ~40 MB in memory.
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';

/**
 * Serves /docs and everything under it from a small Fastify instance that holds only the Scalar plugin, built on
 * the first request, so that a server nobody opens the docs on never loads it. The page reads /openapi.json.
 */
export const docsPage: FastifyPluginAsync = async (app) => {
  let docs: Promise<FastifyInstance> | undefined;
  const load = async () => {
    const instance = Fastify({ logger: false });
    const { default: scalar } = await import('@scalar/fastify-api-reference');
    await instance.register(scalar, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });
    await instance.ready();
    return instance;
  };
  const forward = async (request: { url: string; headers: Record<string, unknown> }, reply: import('fastify').FastifyReply) => {
    docs ??= load().catch((error) => {
      docs = undefined;
      throw error;
    });
    const response = await (await docs).inject({ method: 'GET', url: request.url, headers: request.headers as Record<string, string> });
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !['content-length', 'connection', 'transfer-encoding'].includes(name)) reply.header(name, value);
    }
    return reply.code(response.statusCode).send(response.rawPayload);
  };
  const options = { config: { access: 'public' as const }, schema: { hide: true } };
  app.get('/docs', options, forward);
  app.get('/docs/*', options, forward);
};
