// The writer's view of a store: one transaction that loads (locking the batch's customers) and writes one write set.
// Each store builds its statements once (writer-store-sqlite.ts, writer-store-postgres.ts); the batch logic is shared.
import type { LoadRequest, LoadedBatch, WriteSet } from './batch-state.ts';

export interface WriterTransaction {
  /** Locks the customers (in id order) and reads them, all their wallets, and the records the keys name. */
  load(request: LoadRequest): Promise<LoadedBatch>;
  /** Writes the set; throws ConcurrentWriteError if a row it expected changed meanwhile (the batch then rolls back). */
  write(set: WriteSet): Promise<void>;
}

export interface WriterStore {
  /** Runs `work` in one transaction and commits it durably; rolls back if it throws. */
  transaction<T>(work: (tx: WriterTransaction) => Promise<T>): Promise<T>;
  /** Prepared statements and round trips per batch, for the docs and tests. */
  readonly description: string;
}

/** Another writer changed a row this batch read, or committed one of its idempotency keys: retry the batch. */
export class ConcurrentWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentWriteError';
  }
}

export function expectCount(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new ConcurrentWriteError(`${what}: wrote ${actual} of ${expected} (another writer changed them meanwhile)`);
}
