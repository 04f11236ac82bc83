// What a job handler receives and returns, and how a claimed job looks to it.
import type { Insertable, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** A job as its handler sees it, while this process holds its lease. */
export interface LeasedJob {
  id: string;
  kind: string;
  /** Unique per kind; the handler's effect must be idempotent by it (a job can run again after its process died). */
  key: string;
  /** The JSON value given to enqueueJob, parsed. */
  payload: unknown;
  /** 1 on the first run; counts every claim, including ones whose process died. */
  attempts: number;
  attemptsMax: number;
  dueAt: Date;
  leaseExpiresAt: Date;
  createdAt: Date;
}

export interface JobContext {
  /** Fires when the handler exceeds handlerTimeoutMs: stop work, the attempt already counts as failed. */
  signal: AbortSignal;
  /** The runtime clock's time when this attempt started. */
  now: Date;
}

/**
 * An expected failure is a value: `retry` tries again after the backoff, or after `retryInMs` when the handler names its
 * own delay (or fails the job on its last attempt), `fail` gives up now. `defer` means the handler did not attempt the
 * work (a rate limit had no room): the job runs again after `retryInMs` and this claim does not count as an attempt.
 * Returning nothing, or `{ status: 'done' }`, completes the job. A thrown error is a retry.
 */
export type JobOutcome = (
  | { status: 'done' }
  | { status: 'retry'; error: string; retryInMs?: number }
  | { status: 'fail'; error: string }
  | { status: 'defer'; reason: string; retryInMs: number }
) & {
  /**
   * Rows the attempt leaves behind (a webhook delivery's attempt log), written in the transaction that records the
   * outcome: both commit or neither does. The runtime records the outcomes of jobs that finish together in one
   * transaction, so a handler's own writes cost no commit of their own.
   */
  alsoWrite?: (trx: Transaction<Database>) => Promise<void>;
  /**
   * A row the attempt leaves behind, as data: the runtime inserts the rows of every outcome it records together with
   * one statement per table, in the same transaction. Cheaper than alsoWrite; use alsoWrite for anything else.
   */
  alsoInsert?: JobRowInsert;
};

/** One row for one of Coffer's tables. */
export type JobRowInsert = { [T in keyof Database & string]: { table: T; row: Insertable<Database[T]> } }[keyof Database & string];

export type JobHandler = (job: LeasedJob, context: JobContext) => Promise<JobOutcome | void>;

/** What one claim round did. */
export interface TickResult {
  claimed: number;
  succeeded: number;
  /** Jobs that reached their final failure in this round (state 'failed'). */
  failed: number;
  /** Jobs that failed this attempt (or were deferred) and are due again later. */
  retried: number;
  /** Jobs whose outcome was not recorded because their lease had passed to another owner meanwhile. */
  lost: number;
}
