// Builds the Fastify application from its dependencies (wiring by hand); the server entry point only listens.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyInstance } from 'fastify';
import { Authenticator } from '../auth/authenticate.ts';
import { registerAuth } from '../auth/auth-hook.ts';
import type { Config } from '../config/config.ts';
import { customerRoutes } from '../customers/customer-routes.ts';
import { CustomerService } from '../customers/customer-service.ts';
import type { Store } from '../db/database.ts';
import { ledgerRoutes } from '../ledger/ledger-routes.ts';
import { LedgerService } from '../ledger/ledger-service.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type IdGenerator, newId, randomBase62 } from '../shared/ids.ts';
import { handleClientError, handleFrameworkError, registerErrorHandling } from './error-handler.ts';
import { HttpError } from './errors.ts';
import { registerJsonBodyParser } from './json-body.ts';
import { createMetrics } from './metrics.ts';
import { RateLimiter, registerRateLimit } from './rate-limit.ts';
import { type RequestLogLevel, requestLogController } from './request-log.ts';
import { systemRoutes } from './system-routes.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  clock?: Clock;
  newId?: IdGenerator;
  /** false silences logs (tests); otherwise pino JSON at config.logLevel. */
  logger?: boolean;
  /** Where JSON log lines go instead of stdout (tests capture them). */
  loggerStream?: { write(line: string): void };
  /** The level of the one line logged per request (default info; `coffer serve` on a terminal uses debug). */
  requestLogLevel?: RequestLogLevel;
}

export interface CofferApp {
  app: FastifyInstance;
  ledger: LedgerService;
  customers: CustomerService;
  /** Stops accepting, lets in-flight requests and the open batch finish, then closes the store. */
  close(): Promise<void>;
}

const requestIdPattern = /^[\w.\-:]{1,128}$/;

/** Bodies are validated strictly (no coercion, unknown fields rejected); query strings and paths coerce strings to numbers. */
function validatorCompilers() {
  const strict = addFormats.default(new Ajv.default({ coerceTypes: false, removeAdditional: false, useDefaults: false, strict: false, allErrors: false }));
  const coercing = addFormats.default(new Ajv.default({ coerceTypes: true, removeAdditional: false, useDefaults: true, strict: false, allErrors: false }));
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}

export async function buildApp(deps: AppDeps): Promise<CofferApp> {
  const { config, store } = deps;
  const clock = deps.clock ?? systemClock;
  const ids = deps.newId ?? newId;

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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompilers());
  // Only JSON bodies: text/plain would otherwise be parsed and fail later with a vaguer error.
  app.removeContentTypeParser(['text/plain']);
  registerJsonBodyParser(app);
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

  const metrics = createMetrics();
  const ledger = new LedgerService(
    { db: store.db, config, clock, newId: ids, onBatch: metrics.observeBatch },
    store.kind,
  );
  const customers = new CustomerService({ db: store.db, config, clock, newId: ids });

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
    },
  });

  registerErrorHandling(app);
  registerAuth(app, new Authenticator(store.db, config.apiKeyCacheMs));
  if (config.rateLimitPerSecond > 0) {
    const nowMs = () => clock.now().getTime();
    registerRateLimit(app, new RateLimiter({ perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst, nowMs }));
  }
  metrics.register(app);

  await app.register(systemRoutes({ store, metrics, config }));
  await app.register(customerRoutes(customers));
  await app.register(ledgerRoutes(ledger));

  const close = () => {
    closing ??= (async () => {
      await app.close();
      await ledger.drain();
      await store.close();
    })();
    return closing;
  };
  return { app, ledger, customers, close };
}
