// enqueueJob: writes a job row in the caller's transaction, so the job exists if and only if the change that calls for it commits.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isoTimestamp } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { jobAttemptsMaxLimit, jobKeyLengthMax, jobKindLengthMax, jobPayloadBytesMax } from './job-limits.ts';

export const jobIdPrefix = 'job';

export interface EnqueueJobInput {
  kind: string;
  /** Unique per kind, derived from what the job is for (`expiry:<lot_id>`): enqueuing it again is a no-op. */
  key: string;
  dueAt: Date;
  /** Any JSON value (at most jobPayloadBytesMax once serialised). */
  payload?: unknown;
  /** Attempts before the job fails for good; the runtime's attemptsMaxDefault when absent. */
  attemptsMax?: number;
}

export interface EnqueueJobDeps {
  newId: IdGenerator;
  now: Date;
}

/**
 * Inserts the job unless one with the same kind and key exists (pending, done or failed): a done job is never run
 * again by re-enqueuing it. Pass the transaction of the change that calls for the job. Returns whether it was new.
 * Invalid input is a bug in the caller and throws.
 */
export async function enqueueJob(
  executor: Kysely<Database> | Transaction<Database>,
  input: EnqueueJobInput,
  deps: EnqueueJobDeps,
): Promise<{ created: boolean }> {
  const payload = JSON.stringify(input.payload ?? null);
  assertEnqueueInput(input, payload);
  const now = isoTimestamp(deps.now);
  const inserted = await executor
    .insertInto('jobs')
    .values({
      id: deps.newId(jobIdPrefix),
      kind: input.kind,
      key: input.key,
      payload,
      state: 'pending',
      due_at: isoTimestamp(input.dueAt),
      attempts_max: input.attemptsMax ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => conflict.columns(['kind', 'key']).doNothing())
    .returning('id')
    .execute();
  return { created: inserted.length === 1 };
}

function assertEnqueueInput(input: EnqueueJobInput, payload: string): void {
  if (input.kind.length === 0 || input.kind.length > jobKindLengthMax) throw new Error(`job kind must be 1 to ${jobKindLengthMax} characters`);
  if (input.key.length === 0 || input.key.length > jobKeyLengthMax) throw new Error(`job key must be 1 to ${jobKeyLengthMax} characters`);
  if (!(input.dueAt instanceof Date) || Number.isNaN(input.dueAt.getTime())) throw new Error('job dueAt must be a valid Date');
  if (Buffer.byteLength(payload) > jobPayloadBytesMax) throw new Error(`job payload must be at most ${jobPayloadBytesMax} bytes as JSON`);
  const attemptsMax = input.attemptsMax;
  if (attemptsMax !== undefined && (!Number.isSafeInteger(attemptsMax) || attemptsMax < 1 || attemptsMax > jobAttemptsMaxLimit)) {
    throw new Error(`job attemptsMax must be an integer from 1 to ${jobAttemptsMaxLimit}`);
  }
}

/**
 * Inserts many jobs in one statement in the caller's transaction, skipping any whose (kind, key) exists. Returns how
 * many were new.
 */
export async function enqueueJobs(
  executor: Kysely<Database> | Transaction<Database>,
  inputs: readonly EnqueueJobInput[],
  deps: EnqueueJobDeps,
): Promise<{ created: number }> {
  if (inputs.length === 0) return { created: 0 };
  const now = isoTimestamp(deps.now);
  const rows = inputs.map((input) => {
    const payload = JSON.stringify(input.payload ?? null);
    assertEnqueueInput(input, payload);
    return {
      id: deps.newId(jobIdPrefix),
      kind: input.kind,
      key: input.key,
      payload,
      state: 'pending' as const,
      due_at: isoTimestamp(input.dueAt),
      attempts_max: input.attemptsMax ?? null,
      created_at: now,
      updated_at: now,
    };
  });
  const inserted = await executor
    .insertInto('jobs')
    .values(rows)
    .onConflict((conflict) => conflict.columns(['kind', 'key']).doNothing())
    .returning('id')
    .execute();
  return { created: inserted.length };
}
