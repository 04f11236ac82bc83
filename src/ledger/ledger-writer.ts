// The only money writer: commands queue here and commit in group-committed batches, one transaction each.
import type { Store } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { CommandOutcome, LedgerCommand } from './commands.ts';
import { type BatchStats, GroupCommitter, QueueFullError } from './group-commit.ts';
import { expiringNoticeHoursDefault } from '../credits/credit-limits.ts';
import type { LotSettings } from './batch-state.ts';
import { type BatchContext, applyBatch } from './ledger-batch.ts';
import { ConcurrentWriteError, type WriterStore } from './writer-store.ts';
import { postgresWriterStore } from './writer-store-postgres.ts';
import { sqliteWriterStore } from './writer-store-sqlite.ts';

export interface WriterLimits {
  batchSizeMax: number;
  batchWaitMs: number;
  /** Commands that may wait for a batch; beyond it a command is refused with SERVER_BUSY. */
  writeQueueMax: number;
  /** PostgreSQL: batches in flight at once (SQLite has one writer: always 1). */
  postgresBatchesInFlight: number;
}

export interface WriterDeps {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
  limits: WriterLimits;
  /** Lot settings (the notice lead time); defaults to the documented default. */
  lotSettings?: LotSettings;
  onBatch?: (size: number, durationMs: number) => void;
}

/** The queue was full: nothing was queued or written. */
export const writerBusy = Symbol('writer busy');

/**
 * How batches are scheduled per store. SQLite has one writer: one batch at a time. PostgreSQL locks each batch's
 * customers, so a second batch runs its statements while the first waits for its fsync; commands on a customer an
 * in-flight batch holds wait for the batch after it rather than for the lock.
 */
function scheduling(store: Store['kind'], limits: WriterLimits) {
  return store === 'sqlite'
    ? { concurrencyMax: 1 }
    : { concurrencyMax: limits.postgresBatchesInFlight, conflictKey: (command: LedgerCommand) => command.customerId };
}

/** PostgreSQL serialization failures, deadlocks and SQLite busy errors are worth a retry of the whole batch. */
function isRetryable(error: unknown): boolean {
  if (error instanceof ConcurrentWriteError) return true;
  const code = (error as { code?: unknown })?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

export function writerStoreFor(store: Store): WriterStore {
  return store.kind === 'sqlite' ? sqliteWriterStore(store.db, store.sqlite) : postgresWriterStore(store.pool);
}

export class LedgerWriter {
  private readonly committer: GroupCommitter<LedgerCommand, CommandOutcome>;

  constructor(deps: WriterDeps) {
    const context: BatchContext = {
      store: writerStoreFor(deps.store),
      clock: deps.clock,
      newId: deps.newId,
      currencies: deps.currencies,
      lotSettings: deps.lotSettings ?? { expiringNoticeMs: expiringNoticeHoursDefault * 3_600_000 },
    };
    this.committer = new GroupCommitter(
      (commands) => applyBatch(context, commands),
      {
        batchSizeMax: deps.limits.batchSizeMax,
        batchWaitMs: deps.limits.batchWaitMs,
        queueMax: deps.limits.writeQueueMax,
        ...scheduling(deps.store.kind, deps.limits),
      },
      isRetryable,
      deps.onBatch,
    );
  }

  /** Resolves with the command's outcome once the transaction holding it committed durably. */
  async submit(command: LedgerCommand): Promise<CommandOutcome | typeof writerBusy> {
    try {
      return await this.committer.submit(command);
    } catch (error) {
      if (error instanceof QueueFullError) return writerBusy;
      throw error;
    }
  }

  get stats(): Readonly<BatchStats> {
    return this.committer.stats;
  }

  /** Commands waiting for a batch now. */
  get queueDepth(): number {
    return this.committer.queued;
  }

  /** Resolves when every submitted command has been committed or failed. */
  drain(): Promise<void> {
    return this.committer.drain();
  }
}
