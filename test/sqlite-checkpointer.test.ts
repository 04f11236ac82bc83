// The background WAL checkpointer: with it, committed pages reach the database file from its own thread without
// waiting for the writer's autocheckpoint threshold; with the interval at 0 they stay in the WAL until then.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, openTestStore } from './support/stores.ts';

/** Bytes of the database file (not its WAL) after 300 commits and a pause, with the given checkpoint interval. */
async function databaseFileBytes(intervalMs: string): Promise<number> {
  const database = await createTestDatabase('sqlite');
  const { store } = await openTestStore(database, { COFFER_SQLITE_CHECKPOINT_INTERVAL_MS: intervalMs });
  try {
    const at = '2026-12-01T00:00:00.000Z';
    const before = fs.statSync(database.env.DATABASE_URL).size;
    // ~300 WAL frames: below the writer's own autocheckpoint threshold (4000 pages).
    for (let i = 0; i < 300; i++) await store.db.insertInto('businesses').values({ id: `bus_${i}`, name: 'x'.repeat(2000), created_at: at }).execute();
    await new Promise((resolve) => setTimeout(resolve, 500));
    return fs.statSync(database.env.DATABASE_URL).size - before;
  } finally {
    await store.close();
    await database.drop();
  }
}

describe('SQLite background checkpointer [sqlite]', () => {
  it('copies committed pages into the database file from its own thread; off, they wait in the WAL', async () => {
    const grownWithWorker = await databaseFileBytes('20');
    const grownWithout = await databaseFileBytes('0');
    expect(grownWithWorker).toBeGreaterThan(300 * 2000);
    expect(grownWithout).toBe(0);
  });
});
