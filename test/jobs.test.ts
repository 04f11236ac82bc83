// The job runtime on both stores with a manual clock: enqueue in the caller's transaction, due times, bounded rounds,
// capped backoff, lease expiry, clean stop, metrics.
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueJob } from '../src/jobs/enqueue.ts';
import { backoffDelayMs } from '../src/jobs/job-limits.ts';
import { JobRuntime, type JobRuntimeDeps } from '../src/jobs/job-runtime.ts';
import type { JobHandler } from '../src/jobs/job-types.ts';
import { newId } from '../src/shared/ids.ts';
import { type JobTestStore, gate, jobByKey, openJobTestStore, sleep, waitUntil } from './jobs/setup.ts';
import { type TestJobPayload, effectHandler, scratch, testJobKind } from './jobs/test-kind.ts';
import { ManualClock } from './support/manual-clock.ts';
import { storeKinds } from './support/stores.ts';

const start = new Date('2030-01-01T00:00:00.000Z');
const limits = { pollIntervalMs: 10, leaseMs: 10_000, claimBatchMax: 4, backoffBaseMs: 100, backoffMaxMs: 300, attemptsMaxDefault: 3, handlerTimeoutMs: 5_000 };

describe('backoffDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 60].map((attempt) => backoffDelayMs(attempt, { backoffBaseMs: 100, backoffMaxMs: 300 }))).toEqual([
      100, 200, 300, 300, 300, 300,
    ]);
  });
});

describe.each(storeKinds)('job runtime [%s]', (kind) => {
  let t: JobTestStore;
  let clock: ManualClock;
  const runtimes: JobRuntime[] = [];
  const gates: Array<() => void> = [];

  beforeEach(async () => {
    t = await openJobTestStore(kind);
    clock = new ManualClock(start);
  });
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
    await t.close();
  });

  const runtime = (owner: string, overrides: Partial<JobRuntimeDeps> = {}) => {
    const created = new JobRuntime({
      db: t.store.db,
      store: t.store.kind,
      clock,
      owner,
      handlers: { [testJobKind]: effectHandler(t.store.db, owner) },
      limits,
      ...overrides,
    });
    runtimes.push(created);
    return created;
  };
  const enqueue = (key: string, options: { dueInMs?: number; payload?: TestJobPayload; attemptsMax?: number; kind?: string } = {}) =>
    enqueueJob(
      t.store.db,
      { kind: options.kind ?? testJobKind, key, dueAt: new Date(clock.now().getTime() + (options.dueInMs ?? 0)), payload: options.payload, attemptsMax: options.attemptsMax },
      { newId, now: clock.now() },
    );
  const effects = () => scratch(t.store.db).selectFrom('job_effects').selectAll().orderBy('key').execute();
  const job = (key: string, jobKind = testJobKind) => jobByKey(t.store, jobKind, key);
  /** A handler held at a gate until the test opens it. */
  const heldHandler = (then: JobHandler = async () => {}) => {
    const held = gate();
    const started = gate();
    gates.push(held.open);
    const handler: JobHandler = async (leased, context) => {
      started.open();
      await held.promise;
      return then(leased, context);
    };
    return { handler, started: started.promise, release: held.open };
  };

  it('writes a job in the caller\'s transaction: a rollback leaves none, a commit leaves it with its change', async () => {
    const rolledBack = t.store.db.transaction().execute(async (trx) => {
      await trx.insertInto('businesses').values({ id: 'bus_rolled_back', name: 'Rolled back', created_at: start.toISOString() }).execute();
      expect(await enqueueJob(trx, { kind: testJobKind, key: 'with-rollback', dueAt: start }, { newId, now: start })).toEqual({ created: true });
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await t.store.db.selectFrom('jobs').selectAll().execute()).toEqual([]);

    await t.store.db.transaction().execute(async (trx) => {
      await trx.insertInto('businesses').values({ id: 'bus_committed', name: 'Committed', created_at: start.toISOString() }).execute();
      await enqueueJob(trx, { kind: testJobKind, key: 'with-commit', dueAt: start, payload: { a: [1, 'two'] } }, { newId, now: start });
    });
    const row = await job('with-commit');
    expect(row).toMatchObject({ state: 'pending', attempts: 0, attempts_max: null, lease_owner: null, due_at: start.toISOString() });
    expect(row.id).toMatch(/^job_/);
    expect(JSON.parse(row.payload)).toEqual({ a: [1, 'two'] });
  });

  it('treats a second enqueue of a key as a no-op, and never reruns a done job', async () => {
    expect(await enqueue('same', { payload: { workMs: 1 } })).toEqual({ created: true });
    expect(await enqueue('same', { payload: { workMs: 2 }, dueInMs: 5_000 })).toEqual({ created: false });
    const row = await job('same');
    expect(JSON.parse(row.payload)).toEqual({ workMs: 1 });
    expect(row.due_at).toBe(start.toISOString());

    const worker = runtime('a');
    expect(await worker.tick()).toEqual({ claimed: 1, succeeded: 1, failed: 0, retried: 0, lost: 0 });
    expect(await enqueue('same')).toEqual({ created: false });
    expect((await worker.tick()).claimed).toBe(0);
    expect(await job('same')).toMatchObject({ state: 'done', attempts: 1, finished_at: start.toISOString() });
    expect(await effects()).toHaveLength(1);
  });

  it('claims a job only once it is due, and only kinds it has a handler for', async () => {
    await enqueue('later', { dueInMs: 1_000 });
    await enqueue('unhandled', { kind: 'test.unhandled' });
    const worker = runtime('a');
    expect((await worker.tick()).claimed).toBe(0);
    clock.advance(999);
    expect((await worker.tick()).claimed).toBe(0);
    clock.advance(1);
    expect(await worker.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect((await effects()).map((effect) => effect.key)).toEqual(['later']);
    expect(await job('unhandled', 'test.unhandled')).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('claims at most claimBatchMax jobs per round, soonest due first', async () => {
    for (let i = 0; i < 10; i++) await enqueue(`bounded-${i}`, { dueInMs: -1_000 + (9 - i) * 10 });
    const worker = runtime('a');
    expect((await worker.tick()).claimed).toBe(4);
    expect((await effects()).map((effect) => effect.key).sort()).toEqual(['bounded-6', 'bounded-7', 'bounded-8', 'bounded-9']);
    expect((await worker.tick()).claimed).toBe(4);
    expect((await worker.tick()).claimed).toBe(2);
    expect((await worker.tick()).claimed).toBe(0);
    expect(worker.stats().totals).toEqual({ claimed: 10, succeeded: 10, failed: 0, retried: 0, lost: 0 });
  });

  it('retries a failing job with capped exponential backoff, then fails it for good with its last error', async () => {
    await enqueue('flaky', { payload: { failAttempts: 99 }, attemptsMax: 5 });
    const worker = runtime('a');
    for (const [attempt, delayMs] of [[1, 100], [2, 200], [3, 300], [4, 300]]) {
      expect(await worker.tick()).toMatchObject({ claimed: 1, retried: 1 });
      const row = await job('flaky');
      expect(row).toMatchObject({ state: 'pending', attempts: attempt, lease_owner: null, lease_expires_at: null, last_error: `Error: planned failure of attempt ${attempt}` });
      expect(row.due_at).toBe(new Date(clock.now().getTime() + delayMs).toISOString());
      clock.advance(delayMs - 1);
      expect((await worker.tick()).claimed).toBe(0);
      clock.advance(1);
    }
    expect(await worker.tick()).toMatchObject({ claimed: 1, failed: 1, retried: 0 });
    expect(await job('flaky')).toMatchObject({ state: 'failed', attempts: 5, last_error: 'Error: planned failure of attempt 5', finished_at: clock.now().toISOString() });
    clock.advance(10_000);
    expect((await worker.tick()).claimed).toBe(0);
    expect(await effects()).toEqual([]);
  });

  it('uses attemptsMaxDefault, gives up at once on a `fail` outcome, and survives a handler that throws synchronously', async () => {
    await enqueue('default-max', { payload: { failAttempts: 99 } });
    await enqueue('gives-up', { kind: 'test.gives-up' });
    await enqueue('sync-throw', { kind: 'test.sync-throw' });
    const worker = runtime('a', {
      handlers: {
        [testJobKind]: effectHandler(t.store.db, 'a'),
        'test.gives-up': async () => ({ status: 'fail', error: 'the endpoint is gone' }),
        'test.sync-throw': (() => {
          throw new TypeError('not even a promise');
        }) as JobHandler,
      },
    });
    expect(await worker.tick()).toEqual({ claimed: 3, succeeded: 0, failed: 1, retried: 2, lost: 0 });
    expect(await job('gives-up', 'test.gives-up')).toMatchObject({ state: 'failed', attempts: 1, last_error: 'the endpoint is gone' });
    expect(await job('sync-throw', 'test.sync-throw')).toMatchObject({ state: 'pending', last_error: 'TypeError: not even a promise' });
    clock.advance(100);
    await worker.tick();
    clock.advance(200);
    await worker.tick();
    expect(await job('default-max')).toMatchObject({ state: 'failed', attempts: 3 });
  });

  it('runs a job again under another owner once the lease of an owner that never finished ends, and not before', async () => {
    await enqueue('leased');
    const stuck = heldHandler(effectHandler(t.store.db, 'a'));
    const a = runtime('a', { handlers: { [testJobKind]: stuck.handler } });
    const b = runtime('b');
    const aRound = a.tick();
    await stuck.started;
    const leased = await job('leased');
    expect(leased).toMatchObject({ lease_owner: 'a', attempts: 1, lease_expires_at: new Date(start.getTime() + limits.leaseMs).toISOString() });

    clock.advance(limits.leaseMs - 1);
    expect((await b.tick()).claimed).toBe(0);
    clock.advance(1);
    expect(await b.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(await job('leased')).toMatchObject({ state: 'done', attempts: 2, lease_owner: null });

    // The first owner finishes late: its outcome is dropped and its effect is a no-op by the job key.
    stuck.release();
    expect(await aRound).toEqual({ claimed: 1, succeeded: 0, failed: 0, retried: 0, lost: 1 });
    expect(await job('leased')).toMatchObject({ state: 'done', attempts: 2 });
    expect((await effects()).map((effect) => [effect.key, effect.owner, effect.attempt])).toEqual([['leased', 'b', 2]]);
  });

  it('fails a job whose last attempt\'s lease ended without an outcome, without running it again', async () => {
    await enqueue('last-attempt', { attemptsMax: 1 });
    const stuck = heldHandler();
    const a = runtime('a', { handlers: { [testJobKind]: stuck.handler } });
    const aRound = a.tick();
    await stuck.started;
    clock.advance(limits.leaseMs);
    expect(await runtime('b').tick()).toMatchObject({ claimed: 1, failed: 1 });
    expect(await job('last-attempt')).toMatchObject({ state: 'failed', attempts: 2 });
    expect((await job('last-attempt')).last_error).toMatch(/^attempts exhausted/);
    expect(await effects()).toEqual([]);
    stuck.release();
    expect((await aRound).lost).toBe(1);
  });

  it('stop() claims nothing new and resolves only after the running handler finished', async () => {
    await enqueue('running');
    const held = heldHandler(effectHandler(t.store.db, 'a'));
    const worker = runtime('a', { handlers: { [testJobKind]: held.handler } });
    worker.start();
    await held.started;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await enqueue('after-stop');
    await sleep(100);
    expect(stopped).toBe(false);
    expect(worker.stats()).toMatchObject({ running: 1, stopping: true });
    held.release();
    await stopping;
    expect(await job('running')).toMatchObject({ state: 'done', attempts: 1 });
    await sleep(50);
    expect((await worker.tick()).claimed).toBe(0);
    expect(await job('after-stop')).toMatchObject({ state: 'pending', attempts: 0 });
    expect(worker.stats()).toMatchObject({ running: 0 });
  });

  it('stop() is bounded: a handler past handlerTimeoutMs is aborted and its attempt retried later', async () => {
    await enqueue('hangs');
    let signal: AbortSignal | undefined;
    const hung = heldHandler();
    const worker = runtime('a', {
      limits: { ...limits, handlerTimeoutMs: 200 },
      handlers: { [testJobKind]: (leased, context) => ((signal = context.signal), hung.handler(leased, context)) },
    });
    worker.start();
    await hung.started;
    const stopStartedMs = performance.now();
    await worker.stop();
    expect(performance.now() - stopStartedMs).toBeLessThan(2_000);
    expect(signal?.aborted).toBe(true);
    expect(await job('hangs')).toMatchObject({ state: 'pending', attempts: 1, lease_owner: null, last_error: 'handler timed out after 200 ms' });
    expect(worker.stats()).toMatchObject({ running: 1, overdue: 1 });
    hung.release();
    await waitUntil(() => worker.stats().running === 0, 2_000, 'the hung handler returned');
    expect(worker.stats().overdue).toBe(0);
  });

  it('reports due, running, final failures and attempts per kind', async () => {
    const registry = new Registry();
    const blocked = heldHandler();
    const worker = runtime('a', {
      registry,
      handlers: {
        [testJobKind]: effectHandler(t.store.db, 'a'),
        'test.block': blocked.handler,
        'test.fail': async () => ({ status: 'retry', error: 'always' }),
      },
    });
    await enqueue('e1');
    await enqueue('e2');
    await enqueue('e3', { dueInMs: 1_000 });
    await enqueue('b1', { kind: 'test.block' });
    await enqueue('f1', { kind: 'test.fail', attemptsMax: 1 });
    const metric = async (name: string) => {
      const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
      return Object.fromEntries((found?.values ?? []).map((v) => [String(v.labels.kind), v.value]));
    };
    expect(await metric('coffer_jobs_due')).toEqual({ [testJobKind]: 2, 'test.block': 1, 'test.fail': 1 });
    expect(await metric('coffer_jobs_running')).toEqual({ [testJobKind]: 0, 'test.block': 0, 'test.fail': 0 });

    const round = worker.tick();
    await blocked.started;
    await waitUntil(
      async () => (await metric('coffer_jobs_failed_total'))['test.fail'] === 1 && (await metric('coffer_jobs_running'))[testJobKind] === 0,
      5_000,
      'all but the blocked job finished',
    );
    expect(await metric('coffer_jobs_running')).toEqual({ [testJobKind]: 0, 'test.block': 1, 'test.fail': 0 });
    expect(await metric('coffer_jobs_due')).toEqual({ [testJobKind]: 0, 'test.block': 0, 'test.fail': 0 });
    expect(await metric('coffer_job_attempts_total')).toEqual({ [testJobKind]: 2, 'test.block': 1, 'test.fail': 1 });
    blocked.release();
    expect(await round).toEqual({ claimed: 4, succeeded: 3, failed: 1, retried: 0, lost: 0 });
    expect(await metric('coffer_jobs_running')).toEqual({ [testJobKind]: 0, 'test.block': 0, 'test.fail': 0 });
    clock.advance(1_000);
    expect((await metric('coffer_jobs_due'))[testJobKind]).toBe(1);
    expect(await metric('coffer_jobs_failed_total')).toEqual({ [testJobKind]: 0, 'test.block': 0, 'test.fail': 1 });
  });
});
