// Set-up shared by the job suites: a migrated test store with the scratch tables, job rows read back, and a gate to hold handlers.
import type { StoreKind } from '../../src/config/config.ts';
import type { Store } from '../../src/db/database.ts';
import { type TestDatabase, createTestDatabase, openTestStore } from '../support/stores.ts';
import { createScratchTables } from './test-kind.ts';

export interface JobTestStore {
  database: TestDatabase;
  store: Store;
  close(): Promise<void>;
}

export async function openJobTestStore(kind: StoreKind): Promise<JobTestStore> {
  const database = await createTestDatabase(kind);
  const { store } = await openTestStore(database);
  await createScratchTables(store.db, store.kind);
  return {
    database,
    store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

export function jobByKey(store: Store, kind: string, key: string) {
  return store.db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('key', '=', key).executeTakeFirstOrThrow();
}

/** A promise a test resolves by hand: holds a handler mid-way. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it returns true, or throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(10);
  }
}
