// The composition root on both stores: it builds the job runtime with the process's job kinds, starts it for
// `coffer serve`, and stops everything in reverse order (requests, then jobs, then the writer, then the store).
import { describe, expect, it } from 'vitest';
import { buildCoffer } from '../src/app/coffer.ts';
import { enqueueJob } from '../src/jobs/enqueue.ts';
import { idGenerator } from '../src/shared/ids.ts';
import { systemClock } from '../src/shared/clock.ts';
import { createScratchTables, effectHandler, scratch, testJobKind } from './jobs/test-kind.ts';
import { createTestDatabase, openTestStore, storeKinds } from './support/stores.ts';

describe.each(storeKinds)('composition root [%s]', (kind) => {
  it('runs the job kinds it is given, with the jobs metrics on /metrics, and stops them at close', async () => {
    const database = await createTestDatabase(kind);
    const { config, store } = await openTestStore(database, { COFFER_JOBS_POLL_MS: '20' });
    await createScratchTables(store.db, store.kind);
    const coffer = await buildCoffer({
      config,
      store,
      logger: false,
      startJobs: true,
      jobHandlers: { [testJobKind]: effectHandler(store.db, 'root') },
    });
    const newId = idGenerator(systemClock);
    try {
      // Enqueued in a transaction with another change: both or neither.
      await store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 5; i++) await enqueueJob(trx, { kind: testJobKind, key: `root_${i}`, dueAt: new Date(), payload: {} }, { newId, now: new Date() });
      });
      for (let waited = 0; waited < 100; waited++) {
        const done = await store.db.selectFrom('jobs').select('id').where('state', '=', 'done').execute();
        if (done.length === 5) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const effects = await scratch(store.db).selectFrom('job_effects').select('key').orderBy('key').execute();
      expect(effects.map((e) => e.key)).toEqual(['root_0', 'root_1', 'root_2', 'root_3', 'root_4']);
      expect(coffer.jobs.stats().totals.succeeded).toBe(5);
      const metrics = (await coffer.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain(`coffer_job_attempts_total{kind="${testJobKind}"} 5`);
    } finally {
      await coffer.close();
    }
    expect(coffer.jobs.stats().stopping).toBe(true);
    // Everything stopped before the store closed: a closed store refuses queries.
    await expect(store.db.selectFrom('jobs').select('id').execute()).rejects.toThrow();
    await database.drop();
  });
});
