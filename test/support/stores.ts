// Test stores: a fresh SQLite file or a fresh PostgreSQL schema per test app, so runs never collide.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Config, type StoreKind, loadConfig } from '../../src/config/config.ts';
import { type Store, openStore } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrations/index.ts';
import { randomBase62 } from '../../src/shared/ids.ts';

export const storeKinds: StoreKind[] = ['sqlite', 'postgres'];

/** PostgreSQL used by the tests; CI has one at 127.0.0.1:5432 with a database named `test`. */
export const testPostgresUrl = process.env.COFFER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: StoreKind;
  /** Environment that points Coffer (in-process or a child process) at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Makes an empty database: a temp SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-test-'));
    return {
      kind,
      env: { DATABASE_URL: path.join(dir, 'coffer.db') },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBase62(12).toLowerCase()}`;
  return {
    kind,
    env: { DATABASE_URL: testPostgresUrl, COFFER_DB_SCHEMA: schema },
    drop: () => dropPostgresSchema(testPostgresUrl, schema),
  };
}

/** Drops a scratch schema and everything in it (tests, the torture run and the benchmark each make their own). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Opens and migrates a store for a test database, with extra environment on top. */
export async function openTestStore(
  database: TestDatabase,
  extraEnv: Record<string, string> = {},
): Promise<{ config: Config; store: Store }> {
  const config = loadConfig({ ...database.env, ...extraEnv });
  const store = await openStore(config);
  await migrateToLatest(store.db, store.kind);
  return { config, store };
}
