// What every verification pass shares: the snapshot transaction, the store kind, the findings and the progress count.
import { type RawBuilder, type Transaction, sql } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { FindingList, VerifiedTable } from './findings.ts';

export interface VerifyContext {
  trx: Transaction<Database>;
  store: StoreKind;
  findings: FindingList;
  /** Rows read per query: memory stays bounded whatever the store's size. */
  pageRowsMax: number;
  /** Called after each page with the rows it checked. */
  counted(table: VerifiedTable, rows: number): void;
  /** Called after a page of rows already counted by another pass (the second read of the entries). */
  progressed(rows: number): void;
}

/**
 * A text column as verify reads it. On SQLite, its raw bytes: better-sqlite3 would replace invalid UTF-8 with
 * U+FFFD, hiding text that the API would serve mangled. PostgreSQL (UTF8) refuses invalid text on write.
 */
export function storedText(store: StoreKind, column: string): RawBuilder<string | Uint8Array | null> {
  return store === 'sqlite' ? sql`cast(${sql.ref(column)} as blob)` : sql`${sql.ref(column)}`;
}

/** Whether the store has a table (optional tables arrive with later migrations). */
export async function hasTable(trx: Transaction<Database>, store: StoreKind, table: string): Promise<boolean> {
  const query =
    store === 'sqlite'
      ? sql<{ found: number }>`select count(*) as found from sqlite_master where type = 'table' and name = ${table}`
      : sql<{ found: number }>`select count(*)::int as found from information_schema.tables where table_schema = current_schema() and table_name = ${table}`;
  const { rows } = await query.execute(trx);
  return Number(rows[0].found) > 0;
}
