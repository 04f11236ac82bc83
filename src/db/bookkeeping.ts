// Writes whose loss in a power cut costs a repeat, never money or an acknowledged answer: job claims and outcomes and
// the webhook delivery log. They commit without waiting for the disk, so they do not take fsyncs from the ledger.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from './schema.ts';
import type { Store } from './database.ts';

/** Runs `work` in one transaction that commits without waiting for the disk; everything else keeps the store's durability. */
export type Bookkeeping = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

/**
 * SQLite (WAL): `synchronous = NORMAL` on the one connection for the transaction of `work`, held exclusively so that no
 * ledger batch runs meanwhile, then back to the configured level. A commit at NORMAL is in the WAL when it returns —
 * a killed process loses nothing — and reaches the disk with the next FULL commit or checkpoint, in order.
 * PostgreSQL: `synchronous_commit = off` for the one transaction `work` runs in; a database crash can lose its last
 * few hundred milliseconds, never a ledger commit.
 */
export function bookkeepingFor(store: Store): Bookkeeping {
  if (store.kind === 'sqlite') {
    const level = store.durability.synchronous ?? 'FULL';
    // Below FULL (a testing setup) there is nothing to relax.
    if (level !== 'FULL' && level !== 'EXTRA') return (work) => store.db.transaction().execute(work);
    const restore = sql.raw(`pragma synchronous = ${level}`);
    return (work) =>
      store.db.connection().execute(async (connection) => {
        await sql`pragma synchronous = normal`.execute(connection);
        try {
          return await connection.transaction().execute((trx: Transaction<Database>) => work(trx));
        } finally {
          await restore.execute(connection);
        }
      });
  }
  return (work) =>
    store.db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return work(trx);
    });
}
