// A second, independent handle on a test app's database, so tests read what was really committed.
import { loadConfig } from '../../src/config/config.ts';
import { type Store, openStore } from '../../src/db/database.ts';
import type { TestApp } from '../support/test-app.ts';

/** Opens the app's database again (a second SQLite connection or PostgreSQL pool); close it before the app. */
export async function openStoreReader(t: TestApp): Promise<Store> {
  return openStore(loadConfig({ ...t.env, COFFER_DB_POOL_SIZE: '2' }));
}

/** Row counts of the tables a request could write to, across every business. */
export async function tableCounts(reader: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['businesses', 'api_keys', 'customers', 'wallets', 'ledger_entries', 'holds', 'invoices', 'payments'] as const) {
    const row = await reader.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.count);
  }
  return counts;
}
