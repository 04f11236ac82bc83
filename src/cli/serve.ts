// `coffer serve`: opens the store, migrates, bootstraps a key if asked, listens, and shuts down gracefully on SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createApiKey, createBusiness, ensureBootstrapKey, listBusinesses } from '../businesses/business-service.ts';
import type { Config } from '../config/config.ts';
import { openCoffer } from '../app/coffer.ts';
import { systemClock } from '../shared/clock.ts';

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

export async function serve(config: Config, options: { embeddedDefault: boolean }): Promise<void> {
  const logger = pino({ level: config.logLevel });
  const coffer = await openCoffer(config, { logger });
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

  const banner = [
    '',
    `Coffer is listening on ${baseUrl} (${store.kind}${store.kind === 'sqlite' ? `: ${config.databaseUrl}` : ''})`,
    apiKey
      ? `API key: ${apiKey}`
      : 'API key: create one with `npx coffer business create --name "My business"` then `npx coffer keys create --business <id>`',
    `API reference: ${baseUrl}/docs`,
    'Try it:',
    `  curl -s -X POST ${baseUrl}/customers -H "Authorization: Bearer ${apiKey ?? '<api key>'}" -H "Content-Type: application/json" -d '{"email":"ada@example.com","name":"Ada"}'`,
    '',
  ].join('\n');
  process.stdout.write(`${banner}\n`);
}
