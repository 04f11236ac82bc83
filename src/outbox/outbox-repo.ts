// Writes events in a caller's transaction (for changes made outside the ledger writer, such as a customer's creation).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EventRow } from './event-row.ts';

/** Inserts the events in the caller's transaction: they exist if and only if the change they report commits. */
export async function insertEvents(executor: Kysely<Database> | Transaction<Database>, rows: readonly EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await executor.insertInto('events').values([...rows]).execute();
}
