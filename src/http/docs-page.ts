// The API reference page at /docs: Redoc's standalone bundle, served from node_modules, reading /openapi.json.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';

/**
 * Everything the page loads comes from Coffer itself: the HTML, the script and the document. The Content-Security-Policy
 * makes the browser refuse anything else (fonts, images, scripts from other origins), so the page works offline and
 * tells no third party who reads it. Redoc renders each operation's x-codeSamples (the official SDK examples).
 */
const scriptFile = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
/**
 * The one remote asset in the bundle: the vendor's logo beside the "API docs by Redocly" credit, fetched from its CDN
 * with no option to turn it off. Served with an empty src instead, the image fails at once and Redoc drops it.
 */
const remoteLogo = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';

async function readScript(): Promise<Buffer> {
  return Buffer.from((await fs.readFile(scriptFile, 'utf8')).replaceAll(remoteLogo, '""'));
}

const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  // Redoc styles itself with styled-components (inline <style>) and runs its search index in a blob: worker.
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self' blob:",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Coffer API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>body { margin: 0; }</style>
</head>
<body>
<noscript><p>The API reference needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="redoc"></div>
<script src="/docs/redoc.standalone.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const init = `Redoc.init('/openapi.json', {
  expandResponses: '200',
  hideDownloadButton: false,
  // The request samples panel shows the official-SDK example (x-codeSamples) rather than a bare JSON payload.
  hideRequestPayloadSample: true,
  pathInMiddlePanel: true,
  nativeScrollbars: true,
  theme: { typography: { fontFamily: 'system-ui, sans-serif', headings: { fontFamily: 'system-ui, sans-serif' }, code: { fontFamily: 'ui-monospace, monospace' } } },
}, document.getElementById('redoc'));
`;

export const docsPage: FastifyPluginAsync = async (app) => {
  let script: Promise<Buffer> | undefined;
  const options = { config: { access: 'public' as const }, schema: { hide: true } };
  const secure = { 'content-security-policy': contentSecurityPolicy, 'x-content-type-options': 'nosniff' };

  app.get('/docs', options, async (_request, reply) => reply.headers(secure).type('text/html; charset=utf-8').send(page));
  app.get('/docs/', options, async (_request, reply) => reply.redirect('/docs'));
  app.get('/docs/init.js', options, async (_request, reply) => reply.headers(secure).type('text/javascript; charset=utf-8').send(init));
  app.get('/docs/redoc.standalone.js', options, async (_request, reply) => {
    // Read on the first request (1 MB), so a server nobody opens the docs on never holds it.
    script ??= readScript().catch((error) => {
      script = undefined;
      throw error;
    });
    return reply
      .headers({ ...secure, 'cache-control': 'public, max-age=3600' })
      .type('text/javascript; charset=utf-8')
      .send(await script);
  });
};
