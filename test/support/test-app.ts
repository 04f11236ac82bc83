// Builds a Coffer app on a fresh test database with a business, a read-write key and a read-only key.
import type { LightMyRequestResponse } from 'fastify';
import { createApiKey, createBusiness } from '../../src/businesses/business-service.ts';
import type { StoreKind } from '../../src/config/config.ts';
import { type CofferApp, buildCoffer } from '../../src/app/coffer.ts';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { createTestDatabase, openTestStore } from './stores.ts';

export interface TestBusiness {
  businessId: string;
  apiKey: string;
  readOnlyKey: string;
}

export interface TestApp extends TestBusiness {
  kind: StoreKind;
  coffer: CofferApp;
  /** Environment of this database, to start a child `coffer serve` on it. */
  env: Record<string, string>;
  /** A second business on the same server, for tenant-isolation tests. */
  addBusiness(name?: string): Promise<TestBusiness>;
  request(method: string, url: string, options?: { body?: unknown; key?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** Starts listening on an ephemeral loopback port; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApp(kind: StoreKind, extraEnv: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  // In-process suites send thousands of requests on one key: the limiter is off unless a test turns it on.
  const { config, store } = await openTestStore(database, { COFFER_RATE_LIMIT_PER_SECOND: '0', ...extraEnv });
  const coffer = await buildCoffer({ config, store, logger: false, clock: options.clock });
  await coffer.app.ready();

  const addBusiness = async (name = 'Test business'): Promise<TestBusiness> => {
    const business = await createBusiness(store.db, systemClock, name);
    const writeKey = await createApiKey(store.db, systemClock, { businessId: business.id, access: 'read_write' });
    const readKey = await createApiKey(store.db, systemClock, { businessId: business.id, access: 'read_only' });
    return { businessId: business.id, apiKey: writeKey.secret, readOnlyKey: readKey.secret };
  };
  const main = await addBusiness('Main business');

  return {
    kind,
    coffer,
    env: { ...database.env, ...extraEnv },
    ...main,
    addBusiness,
    request(method, url, options = {}) {
      const key = options.key === undefined ? main.apiKey : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      return coffer.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
      });
    },
    async listen() {
      return coffer.app.listen({ host: '127.0.0.1', port: 0 });
    },
    async close() {
      await coffer.close();
      await database.drop();
    },
  };
}
