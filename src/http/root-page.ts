// GET /: where to go from here (the API reference, the OpenAPI document, health), as JSON or as a small HTML page.
import type { FastifyPluginAsync } from 'fastify';

const links = {
  docs: '/docs',
  openapi: '/openapi.json',
  health: '/healthz',
};

const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Coffer</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Coffer</h1>
<p>Customer wallets with a Dodo Payments-compatible API. Use the official <code>dodopayments</code> SDK with its <code>baseURL</code> set to this server.</p>
<ul>
<li><a href="${links.docs}">API reference</a> (<code>${links.docs}</code>)</li>
<li><a href="${links.openapi}">OpenAPI document</a> (<code>${links.openapi}</code>)</li>
<li><a href="${links.health}">Health</a> (<code>${links.health}</code>)</li>
</ul>
</body>
</html>
`;

export const rootPage: FastifyPluginAsync = async (app) => {
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    // A browser asks for text/html (and not JSON); curl's */* and API clients get JSON.
    const accept = request.headers.accept ?? '';
    if (!accept.includes('text/html') || accept.includes('application/json')) return { name: 'Coffer', links };
    return reply.type('text/html; charset=utf-8').send(html);
  });
};
