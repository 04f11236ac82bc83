// The example of docs/jobs.md ("Adding a job kind"), verbatim below this line; test/jobs-doc.test.ts runs it on both stores.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { enqueueJob } from '../../src/jobs/enqueue.ts';
import type { JobHandler } from '../../src/jobs/job-types.ts';
import type { Clock } from '../../src/shared/clock.ts';
import { newId } from '../../src/shared/ids.ts';

export const businessRenamedKind = 'example.business_renamed';

/** The change and its job commit together, or neither does. */
export async function renameBusiness(db: Kysely<Database>, clock: Clock, businessId: string, name: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('businesses').set({ name }).where('id', '=', businessId).execute();
    await enqueueJob(
      trx,
      { kind: businessRenamedKind, key: `${businessId}:${name}`, dueAt: clock.now(), payload: { businessId, name } },
      { newId, now: clock.now() },
    );
  });
}

export type Deliver = (message: { id: string; body: string }, signal: AbortSignal) => Promise<boolean>;

/** Sends one message per job. The job key is the message id, so a receiver that drops ids it has seen makes a rerun harmless. */
export function businessRenamedHandler(deliver: Deliver): JobHandler {
  return async (job, { signal }) => {
    const accepted = await deliver({ id: job.key, body: JSON.stringify(job.payload) }, signal);
    return accepted ? { status: 'done' } : { status: 'retry', error: 'the receiver did not accept the message' };
  };
}
