// Fastify plumbing only: the server, strict validation, the envelope, auth, rate limit, metrics and OpenAPI.
// Routes and services come from the composition root (src/app/coffer.ts); nothing here knows the domains.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Authenticator } from '../auth/authenticate.ts';
import type { Config } from '../config/config.ts';
import type { Clock } from '../shared/clock.ts';
import { randomBase62 } from '../shared/ids.ts';
import { registerAuth } from './auth-hook.ts';
import { handleClientError, handleFrameworkError, registerErrorHandling } from './error-handler.ts';
import { HttpError } from './errors.ts';
import { registerInputIntegrity } from './input-integrity.ts';
import { registerJsonBodyParser } from './json-body.ts';
import type { Metrics } from './metrics.ts';
import { RateLimiter, registerRateLimit } from './rate-limit.ts';
import { type RequestLogLevel, requestLogController } from './request-log.ts';
import { type RegisteredRoute, requireRouteAccess } from './route-config.ts';
import { validatorCompilers } from './validators.ts';

export interface HttpDeps {
  config: Config;
  clock: Clock;
  authenticator: Authenticator;
  metrics: Metrics;
  /** The route plugins, registered in order after the plumbing. */
  routes: FastifyPluginAsync[];
  /** false silences logs (tests); otherwise pino JSON at config.logLevel. */
  logger?: boolean;
  /** Where JSON log lines go instead of stdout (tests capture them). */
  loggerStream?: { write(line: string): void };
  /** The level of the one line logged per request (default info; `coffer serve` on a terminal uses debug). */
  requestLogLevel?: RequestLogLevel;
  /** The OpenAPI 3.1 `webhooks` object: the requests Coffer sends to webhook endpoints. */
  openApiWebhooks?: Record<string, object>;
}

export interface HttpApp {
  app: FastifyInstance;
  /** Every registered route with its access level. */
  routes: readonly RegisteredRoute[];
  /** Stops accepting: requests arriving from now get the 503 envelope; in-flight ones finish. */
  close(): Promise<void>;
}

const requestIdPattern = /^[\w.\-:]{1,128}$/;

export async function buildHttpApp(deps: HttpDeps): Promise<HttpApp> {
  const { config, clock } = deps;
  const app = Fastify({
    logger: deps.logger === false ? false : { level: config.logLevel, ...(deps.loggerStream ? { stream: deps.loggerStream } : {}) },
    logController: requestLogController(deps.requestLogLevel),
    bodyLimit: config.bodyBytesMax,
    // false: Fastify would otherwise trust any incoming x-request-id as is; genReqId reads and checks it instead.
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : `req_${randomBase62(21)}`;
    },
    ajv: { customOptions: { coerceTypes: false } },
    // Requests that arrive while closing get Coffer's own 503 envelope (the hook below), not Fastify's.
    return503OnClosing: false,
    // Idle keep-alive connections are closed at shutdown so that they cannot hold it open.
    forceCloseConnections: 'idle',
    // Bad percent-encoding and over-long path parameters get the error envelope, not Fastify's default body.
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
    // A request without exactly one Host header gets the error envelope from an onRequest hook, not Node's empty 400.
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so that it sees every route: a route without an access level makes the app refuse to start.
  const routes = requireRouteAccess(app);
  app.setValidatorCompiler(validatorCompilers());
  // Only JSON bodies: text/plain would otherwise be parsed and fail later with a vaguer error.
  app.removeContentTypeParser(['text/plain']);
  registerJsonBodyParser(app);
  registerInputIntegrity(app);
  let closing: Promise<void> | undefined;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) {
      reply.header('connection', 'close');
      throw new HttpError('SERVICE_UNAVAILABLE', 'Coffer is shutting down; retry the request (it was not processed)');
    }
  });
  // A response finished while closing ends its connection: a keep-alive client must not hold shutdown open.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Coffer API',
        version: '0.1.0',
        description: "Customer wallets, wire-compatible with Dodo Payments' Customer Wallets API.",
      },
      components: { securitySchemes: { API_KEY: { type: 'http', scheme: 'bearer' } } },
      security: [{ API_KEY: [] }],
      ...(deps.openApiWebhooks ? { webhooks: deps.openApiWebhooks } : {}),
    },
  });

  registerErrorHandling(app);
  registerAuth(app, deps.authenticator);
  if (config.rateLimitPerSecond > 0) {
    const nowMs = () => clock.now().getTime();
    registerRateLimit(app, new RateLimiter({ perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst, nowMs }));
  }
  deps.metrics.register(app);
  for (const plugin of deps.routes) await app.register(plugin);

  return {
    app,
    routes,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
