// `coffer serve`: opens the store, migrates, bootstraps a key if asked, listens, and shuts down gracefully on SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import { createApiKey, createBusiness, ensureBootstrapKey, listBusinesses } from '../businesses/business-service.ts';
import type { Config } from '../config/config.ts';
import { openCoffer } from '../app/coffer.ts';
import { systemClock } from '../shared/clock.ts';
import { banner } from './banner.ts';
import { createLogging } from './logging.ts';

/** On the embedded default only: a first start creates a business and keeps its key beside the database for the next starts. */
async function localKey(config: Config, db: Parameters<typeof listBusinesses>[0]): Promise<string | null> {
  const keyFile = path.join(path.dirname(config.databaseUrl), 'api-key.txt');
  if (fs.existsSync(keyFile)) return fs.readFileSync(keyFile, 'utf8').trim();
  if ((await listBusinesses(db)).length > 0) return null;
  const business = await createBusiness(db, systemClock, 'Local business');
  const key = await createApiKey(db, systemClock, { businessId: business.id, access: 'read_write', name: 'local key' });
  fs.writeFileSync(keyFile, `${key.secret}\n`, { mode: 0o600 });
  return key.secret;
}

export async function serve(config: Config, options: { embeddedDefault: boolean; version: string }): Promise<void> {
  const terminal = process.stdout.isTTY === true;
  const logging = createLogging(config.logLevel, { terminal, colour: terminal && process.stdout.hasColors() });
  const logger = logging.logger;
  const coffer = await openCoffer(config, { logger, loggerStream: logging.stream, requestLogLevel: logging.requestLogLevel });
  const store = coffer.store;

  let apiKey: string | null = null;
  if (config.bootstrapApiKey) {
    await ensureBootstrapKey(store.db, systemClock, config.bootstrapApiKey);
    apiKey = config.bootstrapApiKey;
  } else if (options.embeddedDefault) {
    apiKey = await localKey(config, store.db);
  }

  const address = await coffer.app.listen({ host: config.host, port: config.port });
  const baseUrl = address.replace('[::1]', 'localhost');

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: no new requests; finishing in-flight requests and the open batch');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    coffer.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  const keyFile = path.join(path.dirname(config.databaseUrl), 'api-key.txt');
  const metricsUrl = config.metricsPort === null ? `${baseUrl}/metrics` : `http://${config.host}:${config.metricsPort}/metrics`;
  process.stdout.write(
    banner({
      version: options.version,
      baseUrl,
      store: store.kind,
      sqliteFile: store.kind === 'sqlite' ? config.databaseUrl : null,
      apiKey,
      apiKeyFile: options.embeddedDefault && !config.bootstrapApiKey && apiKey ? keyFile : null,
      metricsUrl,
    }),
  );
}
