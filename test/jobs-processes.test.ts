// The job runtime across real processes on one store: every job's effect once, no two executions of a job overlapping,
// and a job whose process was SIGKILLed mid-way run again elsewhere only after its lease ended.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueJob } from '../src/jobs/enqueue.ts';
import { systemClock } from '../src/shared/clock.ts';
import { newId } from '../src/shared/ids.ts';
import { type JobTestStore, jobByKey, openJobTestStore, sleep, waitUntil } from './jobs/setup.ts';
import { type TestJobPayload, scratch, testJobKind } from './jobs/test-kind.ts';
import { type WorkerProcess, startWorker } from './jobs/workers.ts';
import { storeKinds } from './support/stores.ts';

const jobCount = 300;
// A short lease for the SIGKILL test; the many-jobs test allows slow commits on a busy machine (a timed-out handler
// would be a legitimate extra run, not the double claim that test looks for).
const killLimits = { pollIntervalMs: 20, leaseMs: 3_000, claimBatchMax: 8, backoffBaseMs: 20, backoffMaxMs: 100, attemptsMaxDefault: 5, handlerTimeoutMs: 2_500 };
const manyLimits = { ...killLimits, leaseMs: 30_000, handlerTimeoutMs: 20_000 };

/** Warnings and errors the workers logged, other than the planned failures. */
const unplannedTrouble = (workers: WorkerProcess[]) =>
  workers.flatMap((worker) => worker.output().split('\n')).filter((line) => /"level":"(warn|error)"/.test(line) && !line.includes('planned failure'));

describe.each(storeKinds)('job runtime across processes [%s]', (kind) => {
  let t: JobTestStore;
  let workers: WorkerProcess[] = [];
  let scratchDir: string;

  beforeEach(async () => {
    t = await openJobTestStore(kind);
    scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-jobs-'));
  });
  afterEach(async () => {
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((worker) => worker.exited));
    workers = [];
    await t.close();
    fs.rmSync(scratchDir, { recursive: true, force: true });
  });

  const enqueue = (key: string, payload: TestJobPayload) =>
    enqueueJob(t.store.db, { kind: testJobKind, key, dueAt: systemClock.now(), payload }, { newId, now: systemClock.now() });
  const executions = () => scratch(t.store.db).selectFrom('job_executions').selectAll().orderBy('started_at_ms').execute();
  const doneCount = async () =>
    Number((await t.store.db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('count')).where('state', '=', 'done').executeTakeFirstOrThrow()).count);
  const stopAll = async () => {
    for (const worker of workers) worker.child.kill('SIGTERM');
    for (const worker of workers) expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
  };

  it('two processes run every job exactly as often as planned, its effect once, never two runs of one job at once', async () => {
    workers = await Promise.all(['p1', 'p2'].map((owner) => startWorker(t.database.env, owner, manyLimits)));
    // Every tenth job fails its first attempt, so its retry may land on either process. All are enqueued in one
    // transaction, so both processes find a backlog far larger than their slots (one alone cannot keep it empty).
    const planned = new Map<string, number>();
    await t.store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < jobCount; i++) {
        const failAttempts = i % 10 === 0 ? 1 : 0;
        planned.set(`multi-${i}`, failAttempts + 1);
        await enqueueJob(trx, { kind: testJobKind, key: `multi-${i}`, dueAt: systemClock.now(), payload: { failAttempts, workMs: 10 + (i % 7) } }, { newId, now: systemClock.now() });
      }
    });
    await waitUntil(async () => (await doneCount()) === jobCount, 40_000, 'every job is done');
    await stopAll();
    expect(unplannedTrouble(workers)).toEqual([]);

    const effects = await scratch(t.store.db).selectFrom('job_effects').selectAll().execute();
    expect(effects.map((effect) => effect.key).sort()).toEqual([...planned.keys()].sort());
    const byKey = new Map<string, Awaited<ReturnType<typeof executions>>>();
    for (const execution of await executions()) byKey.set(execution.key, [...(byKey.get(execution.key) ?? []), execution]);
    for (const [key, count] of planned) {
      const runs = byKey.get(key) ?? [];
      expect(runs.map((run) => run.attempt), key).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      for (let i = 1; i < runs.length; i++) expect(runs[i].started_at_ms, `${key} runs overlap`).toBeGreaterThanOrEqual(runs[i - 1].ended_at_ms);
      expect((await jobByKey(t.store, testJobKind, key)).attempts).toBe(count);
    }
    const owners = new Set([...byKey.values()].flat().map((run) => run.owner));
    expect([...owners].sort(), workers.map((worker) => worker.output().slice(-600)).join('\n')).toEqual(['p1', 'p2']);
  });

  it('runs a job whose process was SIGKILLed mid-way in the other process after its lease ends, its effect once', async () => {
    workers = await Promise.all(['k1', 'k2'].map((owner) => startWorker(t.database.env, owner, killLimits)));
    const startedFile = path.join(scratchDir, 'started');
    const holdFile = path.join(scratchDir, 'hold');
    await enqueue('killed', { startedFile, holdFile });
    // The handler has written its effect and now waits for the hold file: kill the process that runs it.
    await waitUntil(() => fs.existsSync(startedFile) && fs.readFileSync(startedFile, 'utf8') !== '', 10_000, 'a worker runs the job');
    const victimOwner = fs.readFileSync(startedFile, 'utf8');
    const victim = workers.find((worker) => worker.owner === victimOwner)!;
    const survivor = workers.find((worker) => worker.owner !== victimOwner)!;
    const leased = await jobByKey(t.store, testJobKind, 'killed');
    expect(leased).toMatchObject({ state: 'pending', attempts: 1, lease_owner: victimOwner });
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    fs.writeFileSync(holdFile, '');

    await sleep(500);
    expect(await jobByKey(t.store, testJobKind, 'killed')).toMatchObject({ state: 'pending', attempts: 1, lease_owner: victimOwner });
    await waitUntil(async () => (await jobByKey(t.store, testJobKind, 'killed')).state === 'done', 10_000, 'the survivor ran the job');
    workers = [survivor];
    await stopAll();

    const leaseEndMs = Date.parse(leased.lease_expires_at!);
    const runs = await executions();
    expect(runs.map((run) => [run.owner, run.attempt])).toEqual([[survivor.owner, 2]]);
    expect(runs[0].started_at_ms).toBeGreaterThanOrEqual(leaseEndMs);
    const effects = await scratch(t.store.db).selectFrom('job_effects').selectAll().execute();
    expect(effects.map((effect) => [effect.key, effect.owner, effect.attempt])).toEqual([['killed', victimOwner, 1]]);
    expect(await jobByKey(t.store, testJobKind, 'killed')).toMatchObject({ state: 'done', attempts: 2, lease_owner: null });
  });
});
