// The job runtime's cheap paths, on both stores: outcomes of jobs that finish together in one transaction with the rows
// their attempts leave (alsoWrite, alsoInsert), one bad row not taking the others with it, and claims spaced out while the load
// gauge says the API is busy. Then the gauge itself and the batch loader deliveries read their rows with.
import type { Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/schema.ts';
import { enqueueJob } from '../src/jobs/enqueue.ts';
import { JobRuntime, type JobRuntimeDeps } from '../src/jobs/job-runtime.ts';
import type { JobHandler } from '../src/jobs/job-types.ts';
import { readCpuTimes, startLoadGauge } from '../src/jobs/load-gauge.ts';
import { batchLoadKeysMax, batchLoader } from '../src/shared/batch-loader.ts';
import { newId } from '../src/shared/ids.ts';
import { type JobTestStore, jobByKey, openJobTestStore, waitUntil } from './jobs/setup.ts';
import { scratch, wallMs } from './jobs/test-kind.ts';
import { ManualClock } from './support/manual-clock.ts';
import { storeKinds } from './support/stores.ts';

const start = new Date('2030-01-01T00:00:00.000Z');
const limits = { pollIntervalMs: 10, leaseMs: 10_000, claimBatchMax: 4, backoffBaseMs: 100, backoffMaxMs: 300, attemptsMaxDefault: 3, handlerTimeoutMs: 5_000 };
const kind = 'test.logged';

describe.each(storeKinds)('job runtime batching [%s]', (store) => {
  let t: JobTestStore;
  let clock: ManualClock;
  const runtimes: JobRuntime[] = [];
  beforeEach(async () => {
    t = await openJobTestStore(store);
    clock = new ManualClock(start);
  });
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
    await t.close();
  });

  /** Counts the runtime's transactions (claims and outcome rounds). */
  const counting = () => {
    const counter = { transactions: 0 };
    const bookkeeping: JobRuntimeDeps['bookkeeping'] = (work) => {
      counter.transactions += 1;
      return t.store.db.transaction().execute(work);
    };
    return { counter, bookkeeping };
  };
  const runtime = (handler: JobHandler, overrides: Partial<JobRuntimeDeps> = {}) => {
    const created = new JobRuntime({ db: t.store.db, store: t.store.kind, clock, owner: 'a', handlers: { [kind]: handler }, limits, ...overrides });
    runtimes.push(created);
    return created;
  };
  const enqueue = (key: string) => enqueueJob(t.store.db, { kind, key, dueAt: clock.now() }, { newId, now: clock.now() });
  /** An attempt log row per job, written with its outcome; the key `bad` makes the write fail (a duplicate key). */
  const logRow = (key: string) => async (trx: Transaction<Database>) => {
    await scratch(trx as never).insertInto('job_effects').values({ key: key === 'bad' ? 'taken' : key, owner: 'a', attempt: 1, at_ms: wallMs() }).execute();
  };
  const effects = async () => (await scratch(t.store.db).selectFrom('job_effects').select('key').orderBy('key').execute()).map((row) => row.key);

  it('records the outcomes of jobs that finish together in one transaction, each with the rows its attempt left', async () => {
    const { counter, bookkeeping } = counting();
    const worker = runtime(async (job) => ({ status: 'done', alsoWrite: logRow(job.key) }), { bookkeeping });
    for (const key of ['k1', 'k2', 'k3', 'k4']) await enqueue(key);
    expect(await worker.tick()).toEqual({ claimed: 4, succeeded: 4, failed: 0, retried: 0, lost: 0 });
    // One claim, one outcome round for the four.
    expect(counter.transactions).toBe(2);
    expect(await effects()).toEqual(['k1', 'k2', 'k3', 'k4']);
    for (const key of ['k1', 'k2', 'k3', 'k4']) expect((await jobByKey(t.store, kind, key))?.state).toBe('done');
  });

  it('a row that cannot be written loses only its own outcome, and nothing of it is kept', async () => {
    await scratch(t.store.db).insertInto('job_effects').values({ key: 'taken', owner: 'x', attempt: 1, at_ms: 0 }).execute();
    const worker = runtime(async (job) => ({ status: 'done', alsoWrite: logRow(job.key) }));
    for (const key of ['bad', 'k1', 'k2']) await enqueue(key);
    expect(await worker.tick()).toEqual({ claimed: 3, succeeded: 2, failed: 0, retried: 0, lost: 1 });
    expect(await effects()).toEqual(['k1', 'k2', 'taken']);
    // Its lease stays: it runs again once the lease ends, as after a crash.
    const bad = await jobByKey(t.store, kind, 'bad');
    expect(bad?.state).toBe('pending');
    expect(bad?.lease_owner).toBe('a');
  });

  it('inserts the rows of outcomes recorded together (alsoInsert) and completes only the jobs whose lease is still its own', async () => {
    const { counter, bookkeeping } = counting();
    const worker = runtime(
      async (job) => {
        if (job.key === 'stolen') {
          // Another process claimed it after its lease ended: the lease is no longer this attempt's.
          await t.store.db.updateTable('jobs').set({ lease_owner: 'b', attempts: job.attempts + 1 }).where('id', '=', job.id).execute();
        }
        return { status: 'done', alsoInsert: { table: 'job_effects', row: { key: job.key, owner: 'a', attempt: job.attempts, at_ms: wallMs() } } as never };
      },
      { bookkeeping },
    );
    for (const key of ['i1', 'i2', 'stolen', 'i3']) await enqueue(key);
    expect(await worker.tick()).toEqual({ claimed: 4, succeeded: 3, failed: 0, retried: 0, lost: 1 });
    // The stolen job's extra query may put its outcome in a round of its own: one claim and one or two outcome rounds.
    expect(counter.transactions).toBeLessThanOrEqual(3);
    expect(await effects()).toEqual(['i1', 'i2', 'i3', 'stolen']);
    for (const key of ['i1', 'i2', 'i3']) expect((await jobByKey(t.store, kind, key))?.state).toBe('done');
    const stolen = await jobByKey(t.store, kind, 'stolen');
    expect(stolen?.state).toBe('pending');
    expect(stolen?.lease_owner).toBe('b');
  });

  it('spaces claim rounds by busyClaimGapMs while the gauge says busy, and claims as slots free when it does not', async () => {
    const startedAt: number[] = [];
    const handler: JobHandler = async () => {
      startedAt.push(performance.now());
    };
    let busy = true;
    const worker = runtime(handler, { load: { busy: () => busy }, limits: { ...limits, claimBatchMax: 2, busyClaimGapMs: 300 } });
    for (let i = 0; i < 6; i++) await enqueue(`b${i}`);
    const began = performance.now();
    worker.start();
    await waitUntil(() => startedAt.length === 6, 5_000, 'six busy-time jobs ran');
    // Three rounds of two, each at least the gap after the previous one.
    expect(performance.now() - began).toBeGreaterThanOrEqual(2 * 300 - 20);
    expect(startedAt[2] - startedAt[0]).toBeGreaterThanOrEqual(280);
    expect(startedAt[4] - startedAt[2]).toBeGreaterThanOrEqual(280);

    busy = false;
    startedAt.length = 0;
    for (let i = 0; i < 6; i++) await enqueue(`q${i}`);
    const quietBegan = performance.now();
    worker.wake();
    await waitUntil(() => startedAt.length === 6, 5_000, 'six quiet-time jobs ran');
    expect(performance.now() - quietBegan).toBeLessThan(280);
  });
});

describe('load gauge', () => {
  const spin = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // The event loop is busy: nothing else runs.
    }
  };
  const nextSample = () => new Promise((resolve) => setTimeout(resolve, 80));

  it('is busy only while the API is in use and the event loop saturated', async () => {
    let served = 0;
    const gauge = startLoadGauge(() => served, { intervalMs: 50, machineBusy: 2 });
    try {
      await nextSample();
      expect(gauge.busy()).toBe(false);
      // Saturated by our own work, the API quiet: background work must not yield to itself.
      spin(150);
      // The overdue sample runs first, right after the spin.
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(gauge.sample.eventLoop).toBeGreaterThan(0.5);
      expect(gauge.busy()).toBe(false);
      // The API serving ~thousands per second while the loop is saturated.
      served += 1_000;
      spin(150);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(gauge.sample.apiPerSecond).toBeGreaterThan(100);
      expect(gauge.busy()).toBe(true);
      // Load gone: idle again at the next samples.
      await nextSample();
      await nextSample();
      expect(gauge.busy()).toBe(false);
    } finally {
      gauge.stop();
    }
  });

  it('is busy while the API is in use and its writes queue behind each other, even with the event loop idle', async () => {
    // Each sample reads the totals once: these grow by one phase's figures per read.
    let phase = { responses: 1_000, batches: 100, commands: 100 };
    let served = 0;
    const writes = { batches: 0, commands: 0 };
    const gauge = startLoadGauge(
      () => (served += phase.responses),
      { intervalMs: 50, machineBusy: 2 },
      () => {
        writes.batches += phase.batches;
        writes.commands += phase.commands;
        return writes;
      },
    );
    try {
      // One command per commit, API in use: writes keep up, background work goes on.
      await nextSample();
      expect(gauge.sample.writeBatch).toBe(1);
      expect(gauge.busy()).toBe(false);
      // Eight commands per commit: writes wait for the commit before theirs.
      phase = { responses: 1_000, batches: 10, commands: 80 };
      await nextSample();
      expect(gauge.sample.writeBatch).toBe(8);
      expect(gauge.busy()).toBe(true);
      // The same commits with the API quiet: never busy.
      phase = { responses: 0, batches: 10, commands: 80 };
      await nextSample();
      expect(gauge.busy()).toBe(false);
    } finally {
      gauge.stop();
    }
  });

  it('reads the machine CPU times from /proc/stat and nothing from a malformed one', () => {
    expect(readCpuTimes(() => 'cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 1 2 3 4\n')).toEqual({ idle: 820, total: 981 });
    expect(readCpuTimes(() => 'intr 1 2 3\n')).toBeNull();
    expect(readCpuTimes(() => 'cpu  a b c d\n')).toBeNull();
    expect(readCpuTimes(() => {
      throw new Error('ENOENT');
    })).toBeNull();
  });
});

describe('batch loader', () => {
  it('loads every key asked for in one turn with one call, each once; a missing key is undefined', async () => {
    const calls: string[][] = [];
    const loader = batchLoader(async (keys: string[]) => {
      calls.push(keys);
      return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.toUpperCase()]));
    });
    const values = await Promise.all(['a', 'b', 'a', 'missing'].map((key) => loader.load(key)));
    expect(values).toEqual(['A', 'B', 'A', undefined]);
    expect(calls).toEqual([['a', 'b', 'missing']]);
    expect(await loader.load('c')).toBe('C');
    expect(calls).toHaveLength(2);
  });

  it('splits a large turn into chunks and rejects the callers of a chunk whose load fails', async () => {
    const sizes: number[] = [];
    const loader = batchLoader(async (keys: number[]) => {
      sizes.push(keys.length);
      if (keys.includes(batchLoadKeysMax)) throw new Error('second chunk failed');
      return new Map(keys.map((key) => [key, key]));
    });
    const results = await Promise.allSettled(Array.from({ length: batchLoadKeysMax + 10 }, (_, key) => loader.load(key)));
    expect(sizes).toEqual([batchLoadKeysMax, 10]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(batchLoadKeysMax);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
  });
});
