// A test-only job kind: its effect is a row keyed by the job key (ON CONFLICT DO NOTHING), and every execution is recorded with its owner and times.
import fs from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { StoreKind } from '../../src/config/config.ts';
import type { Database } from '../../src/db/schema.ts';
import type { JobHandler } from '../../src/jobs/job-types.ts';

export const testJobKind = 'test.effect';

export interface TestJobPayload {
  /** The first this-many attempts throw (after recording their execution). */
  failAttempts?: number;
  /** Work time of each execution, after the effect. */
  workMs?: number;
  /** After the effect, write the owner to this file (so a test knows the handler is mid-way)... */
  startedFile?: string;
  /** ...then wait until this file exists (or the attempt is aborted). */
  holdFile?: string;
}

type ScratchTables = {
  job_effects: { key: string; owner: string; attempt: number; at_ms: number };
  job_executions: { key: string; owner: string; attempt: number; started_at_ms: number; ended_at_ms: number };
};

export type ScratchDatabase = Database & ScratchTables;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function createScratchTables(db: Kysely<Database>, store: StoreKind): Promise<void> {
  const double = store === 'postgres' ? 'double precision' : 'real';
  await db.schema
    .createTable('job_effects')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at_ms', sql.raw(double), (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('job_executions')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at_ms', sql.raw(double), (c) => c.notNull())
    .addColumn('ended_at_ms', sql.raw(double), (c) => c.notNull())
    .execute();
}

export const scratch = (db: Kysely<Database>) => db.withTables<ScratchTables>();

async function waitForFile(file: string, signal: AbortSignal): Promise<void> {
  while (!fs.existsSync(file)) {
    if (signal.aborted) throw new Error('aborted while waiting for the hold file');
    await sleep(10);
  }
}

/** The test kind's handler, idempotent by job key, as `owner` runs it. */
export function effectHandler(db: Kysely<Database>, owner: string): JobHandler {
  const tables = scratch(db);
  return async (job, { signal }) => {
    const startedAtMs = wallMs();
    const payload = (job.payload ?? {}) as TestJobPayload;
    const recordExecution = () =>
      tables
        .insertInto('job_executions')
        .values({ key: job.key, owner, attempt: job.attempts, started_at_ms: startedAtMs, ended_at_ms: wallMs() })
        .execute();
    if (job.attempts <= (payload.failAttempts ?? 0)) {
      await recordExecution();
      throw new Error(`planned failure of attempt ${job.attempts}`);
    }
    await tables
      .insertInto('job_effects')
      .values({ key: job.key, owner, attempt: job.attempts, at_ms: wallMs() })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute();
    if (payload.startedFile) fs.writeFileSync(payload.startedFile, owner);
    if (payload.holdFile) await waitForFile(payload.holdFile, signal);
    if (payload.workMs) await sleep(payload.workMs);
    await recordExecution();
  };
}
