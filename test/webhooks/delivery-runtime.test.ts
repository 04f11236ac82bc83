// Delivery under the job runtime's poll loop and per-endpoint rate limits, on both stores: a receiver that hangs holds
// one slot, never another endpoint's delivery; a rate-limited endpoint's deliveries are deferred, not attempted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Receiver, addEndpoint, attemptsOf, emitEvent, startReceiver } from './receiver.ts';

const allowPrivate = { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };

describe.each(storeKinds)('a hanging receiver [%s]', (kind) => {
  let t: TestApp;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    // The hanging receiver would hold its attempt for 20 s: far longer than the other delivery may take.
    t = await startTestApp(kind, { ...allowPrivate, COFFER_WEBHOOK_TIMEOUT_MS: '20000', COFFER_JOBS_POLL_MS: '50' });
    t.coffer.jobs.start();
  });
  afterAll(async () => {
    for (const receiver of receivers) receiver.release();
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it("does not delay another endpoint's delivery while its attempt is still open", async () => {
    const slow = await startReceiver(() => ({ hang: true }));
    const fast = await startReceiver();
    receivers.push(slow, fast);
    const slowEndpoint = await addEndpoint(t, { url: slow.url });
    await emitEvent(t);
    await slow.waitFor(1);

    const fastEndpoint = await addEndpoint(t, { url: fast.url });
    const startedMs = performance.now();
    const eventId = await emitEvent(t);
    const [delivered] = await fast.waitFor(1, 5_000);
    expect(delivered.headers['webhook-id']).toBe(eventId);
    expect(delivered.atMs - startedMs).toBeLessThan(3_000);
    // The slow endpoint got the second event too, and is hanging on both while the fast one is done.
    await slow.waitFor(2);
    expect(t.coffer.jobs.stats().running).toBeGreaterThanOrEqual(2);
    expect(await attemptsOf(t, slowEndpoint.id)).toEqual([]);
    await expect.poll(async () => (await attemptsOf(t, fastEndpoint.id)).map((a) => a.outcome)).toEqual(['succeeded']);

    slow.release();
    await expect.poll(async () => (await attemptsOf(t, slowEndpoint.id)).map((a) => a.outcome), { timeout: 5_000 }).toEqual(['succeeded', 'succeeded']);
  });
});

describe.each(storeKinds)('per-endpoint rate limits [%s]', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  beforeAll(async () => {
    clock = new ManualClock(new Date());
    t = await startTestApp(kind, allowPrivate, { clock });
    hook = await startReceiver();
  });
  afterEach(async () => {
    await t.coffer.store.db.deleteFrom('webhook_endpoints').execute();
  });
  afterAll(async () => {
    await hook?.close();
    await t?.close();
  });

  it('defers deliveries beyond rate_limit per second to when a token is free, without counting an attempt', async () => {
    const { id } = await addEndpoint(t, { url: hook.url, rateLimit: 1 });
    const events = [await emitEvent(t), await emitEvent(t), await emitEvent(t)];
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 3, succeeded: 1, retried: 2 });
    expect(hook.received).toHaveLength(1);
    const jobs = async () =>
      t.coffer.store.db.selectFrom('jobs').select(['key', 'state', 'attempts', 'due_at']).where('kind', '=', 'webhook.deliver').orderBy('due_at').execute();
    const deferred = (await jobs()).filter((job) => job.state === 'pending');
    expect(deferred.map((job) => job.attempts)).toEqual([0, 0]);
    // Spread at the rate: one second apart.
    expect(deferred.map((job) => Date.parse(job.due_at) - clock.now().getTime())).toEqual([1_000, 2_000]);

    clock.advance(999);
    expect((await t.coffer.jobs.tick()).claimed).toBe(0);
    clock.advance(1);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    clock.advance(1_000);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(hook.received.map((r) => r.headers['webhook-id']).sort()).toEqual([...events].sort());
    const log = await attemptsOf(t, id);
    expect(log.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'succeeded'], [1, 'succeeded'], [1, 'succeeded']]);
    expect((await jobs()).every((job) => job.state === 'done' && job.attempts === 1)).toBe(true);
  });
});
