// What the tests that run real `coffer serve` children (dist/: build first) share: a quick test environment, a POST
// that must answer 200, polling, and the children's lifecycle in a describe block (each killed after its test).
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { type Store, openStore } from '../../src/db/database.ts';
import type { StoreKind } from '../../src/config/config.ts';
import { type ChildServer, call, startServe } from './child-server.ts';
import { type TestDatabase, createTestDatabase } from './stores.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settings that make a child quick to test: jobs polled every 50 ms, leases long enough for paused handlers. */
export function quickChildEnv(apiKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    COFFER_BOOTSTRAP_API_KEY: apiKey,
    COFFER_LOG_LEVEL: 'warn',
    COFFER_RATE_LIMIT_PER_SECOND: '0',
    COFFER_JOBS_POLL_MS: '50',
    COFFER_JOBS_LEASE_MS: '10000',
    COFFER_JOBS_HANDLER_TIMEOUT_MS: '8000',
    COFFER_WEBHOOK_TIMEOUT_MS: '1500',
    ...extra,
  };
}

/** Sends a JSON body (POST unless told) with the key and returns the parsed 200 answer; anything else throws. */
export function poster(apiKey: string): (baseUrl: string, path: string, body: unknown, method?: string) => Promise<Record<string, any>> {
  return async (baseUrl, path, body, method = 'POST') => {
    const outcome = await call(`${baseUrl}${path}`, { method, body, key: apiKey });
    if (outcome.kind !== 'response' || outcome.status !== 200) throw new Error(`${method} ${path}: ${JSON.stringify(outcome)}`);
    return JSON.parse(outcome.body);
  };
}

/** Polls `condition` every `everyMs` until it holds (true) or `timeoutMs` passed (false). */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return true;
    await sleep(everyMs);
  }
  return false;
}

export interface ChildSuite {
  /** The describe block's database (set in beforeAll). */
  readonly database: TestDatabase;
  /** Starts a child on the database with `env()` and `extra`; it must listen. Killed after the test. */
  serve(extra?: Record<string, string>): Promise<ChildServer>;
  /** A store of the test's own on the same database, opened once (closed after all tests). */
  side(): Promise<Store>;
}

/**
 * Registers the hooks of a describe block whose tests run children on one database of `kind`: the database made
 * before all and dropped after all, every child killed (and awaited) after each test. `env` is read at each serve, so
 * it may use what a beforeAll set up.
 */
export function useChildSuite(kind: StoreKind, env: () => Record<string, string>): ChildSuite {
  let database: TestDatabase | undefined;
  let side: Store | undefined;
  let servers: ChildServer[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterEach(async () => {
    for (const server of servers) server.kill();
    await Promise.all(servers.map((server) => server.exited));
    servers = [];
  });
  afterAll(async () => {
    await side?.close();
    await database?.drop();
  });
  const suite: ChildSuite = {
    get database() {
      if (!database) throw new Error('the child suite database is made in beforeAll');
      return database;
    },
    async serve(extra = {}) {
      const server = await startServe({ ...suite.database.env, ...env(), ...extra });
      servers.push(server);
      expect(server.baseUrl, server.output()).not.toBeNull();
      return server;
    },
    async side() {
      side ??= await openStore(loadConfig(suite.database.env));
      return side;
    },
  };
  return suite;
}
