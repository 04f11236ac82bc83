// Webhook delivery on both stores, to a real receiver on 127.0.0.1: every delivery verifies with the official SDK and
// with standardwebhooks, the schedule retries with a manual clock, and 410, 3xx, timeouts and private addresses fail
// as documented.
import DodoPayments from 'dodopayments';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookRetryDelaysMs } from '../../src/webhooks/delivery-schedule.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Receiver, addEndpoint, attemptsOf, emitEvent, newSecret, resetDeliveries, startReceiver } from './receiver.ts';

const allowPrivate = { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };
const sdk = new DodoPayments({ bearerToken: 'unused', logLevel: 'off' });

/** Both official verifiers accept the delivery with this secret and return the envelope. */
function verifyBoth(body: string, headers: Record<string, string>, secret: string) {
  const fromSdk = sdk.webhooks.unwrap(body, { headers, key: secret });
  const fromLibrary = new Webhook(secret).verify(body, headers);
  expect(fromLibrary).toEqual(fromSdk);
  return fromSdk as unknown as { business_id: string; type: string; timestamp: string; data: Record<string, unknown> };
}

describe.each(storeKinds)('webhook delivery [%s]', (kind) => {
  let t: TestApp;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const started = await startReceiver(...args);
    receivers.push(started);
    return started;
  };
  beforeAll(async () => {
    t = await startTestApp(kind, allowPrivate);
  });
  afterEach(async () => {
    await resetDeliveries(t);
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => t?.close());

  it('signs each delivery (Standard Webhooks) so the SDK and standardwebhooks verify it; the body is the envelope; custom headers arrive', async () => {
    const hook = await receiver();
    const { id, secret } = await addEndpoint(t, { url: hook.url, headers: { 'X-Merchant-Token': 'tok_123', 'user-agent': 'ignored' } });
    const eventId = await emitEvent(t);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, succeeded: 1 });

    const [delivery] = await hook.waitFor(1);
    expect(delivery.method).toBe('POST');
    expect(delivery.path).toBe('/hook');
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['user-agent']).toBe('Coffer-Webhooks/1');
    expect(delivery.headers['x-merchant-token']).toBe('tok_123');
    expect(delivery.headers['webhook-id']).toBe(eventId);
    expect(delivery.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    const envelope = verifyBoth(delivery.body, delivery.headers, secret);
    expect(envelope).toMatchObject({ business_id: t.businessId, type: 'customer.created', data: { payload_type: 'Customer' } });
    const event = await t.coffer.store.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirstOrThrow();
    expect(envelope.timestamp).toBe(event.created_at);
    expect(JSON.stringify(envelope.data)).toBe(event.data);

    // Another secret does not verify.
    expect(() => sdk.webhooks.unwrap(delivery.body, { headers: delivery.headers, key: newSecret() })).toThrow(/signature/i);
    const [attempt] = await attemptsOf(t, id);
    expect(attempt).toMatchObject({ event_id: eventId, attempt: 1, outcome: 'succeeded', status_code: 200, error: null, next_attempt_at: null });
    expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('during a rotation overlap signs with both secrets, each verifying alone; after it, only with the new one', async () => {
    const hook = await receiver();
    const oldSecret = newSecret();
    const later = new Date(t.coffer.clock.now().getTime() + 3_600_000).toISOString();
    const { id, secret } = await addEndpoint(t, { url: hook.url, previousSecret: oldSecret, previousSecretExpiresAt: later });
    await emitEvent(t);
    await t.coffer.jobs.tick();
    const [during] = await hook.waitFor(1);
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    verifyBoth(during.body, during.headers, secret);
    verifyBoth(during.body, during.headers, oldSecret);

    const past = new Date(t.coffer.clock.now().getTime() - 1_000).toISOString();
    await t.coffer.store.db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: past }).where('id', '=', id).execute();
    await emitEvent(t);
    await t.coffer.jobs.tick();
    const [, after] = await hook.waitFor(2);
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    verifyBoth(after.body, after.headers, secret);
    expect(() => new Webhook(oldSecret).verify(after.body, after.headers)).toThrow(/signature/i);
  });

  it('a 410 Gone disables the endpoint and fails the job; later deliveries are skipped attempts', async () => {
    const hook = await receiver(() => ({ status: 410 }));
    const { id } = await addEndpoint(t, { url: hook.url });
    const first = await emitEvent(t);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, failed: 1 });
    const endpoint = await t.coffer.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(endpoint.disabled).toBe(1);
    expect(endpoint.disabled_reason).toMatch(/410 Gone/);
    const job = await t.coffer.store.db.selectFrom('jobs').selectAll().where('key', '=', `${first}:${id}`).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });

    // A job enqueued before the endpoint was disabled records a skipped attempt and sends nothing.
    const second = await emitEvent(t);
    await t.coffer.store.db.insertInto('jobs').values({
      id: 'job_skipped_test', kind: 'webhook.deliver', key: `${second}:${id}`, payload: JSON.stringify({ event_id: second, endpoint_id: id }),
      state: 'pending', due_at: t.coffer.clock.now().toISOString(), attempts_max: 8, created_at: t.coffer.clock.now().toISOString(), updated_at: t.coffer.clock.now().toISOString(),
    }).execute();
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(hook.received).toHaveLength(1);
    const attempts = await attemptsOf(t, id);
    expect(attempts.map((a) => [a.event_id, a.outcome, a.status_code])).toEqual([[first, 'failed', 410], [second, 'skipped', null]]);
    expect(attempts[0]).toMatchObject({ error: expect.stringMatching(/410/), next_attempt_at: null });
    expect(attempts[1].error).toMatch(/disabled/);
  });

  it('does not follow a redirect: a 302 is a failed attempt, retried later', async () => {
    const target = await receiver();
    const hook = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const { id } = await addEndpoint(t, { url: hook.url });
    await emitEvent(t);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, retried: 1 });
    expect(hook.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
    const [attempt] = await attemptsOf(t, id);
    expect(attempt).toMatchObject({ outcome: 'failed', status_code: 302, error: 'HTTP 302: redirects are not followed' });
    expect(attempt.next_attempt_at).not.toBeNull();
  });

  it('ends a deleted endpoint\'s job without an attempt', async () => {
    const hook = await receiver();
    const { id } = await addEndpoint(t, { url: hook.url });
    await emitEvent(t);
    await t.coffer.store.db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(hook.received).toHaveLength(0);
    expect(await attemptsOf(t, id)).toEqual([]);
  });

  it('a receiver that refuses connections fails the attempt with the reason', async () => {
    const hook = await receiver();
    await hook.close();
    const { id } = await addEndpoint(t, { url: hook.url });
    await emitEvent(t);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, retried: 1 });
    const [attempt] = await attemptsOf(t, id);
    expect(attempt).toMatchObject({ outcome: 'failed', status_code: null });
    expect(attempt.error).toMatch(/connection refused/);
  });
});

describe.each(storeKinds)('webhook retries on the schedule [%s]', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  beforeAll(async () => {
    clock = new ManualClock(new Date());
    t = await startTestApp(kind, allowPrivate, { clock });
  });
  afterAll(async () => {
    await hook?.close();
    await t?.close();
  });

  it('retries a 500 after each scheduled delay (±10%), logs every try, and fails the job after the 8th attempt', async () => {
    hook = await startReceiver(() => ({ status: 500 }));
    const flaky = await startReceiver((_request, index) => ({ status: index === 0 ? 500 : 200 }));
    const always = await addEndpoint(t, { url: hook.url });
    const once = await addEndpoint(t, { url: flaky.url });
    const eventId = await emitEvent(t);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 2, retried: 2 });

    // Not due again before its delay (5 s less 10%)...
    clock.advance(webhookRetryDelaysMs[0] * 0.9 - 1);
    expect((await t.coffer.jobs.tick()).claimed).toBe(0);
    // ...and due once the delay plus 10% has passed: the flaky receiver now takes it.
    clock.advance(webhookRetryDelaysMs[0] * 0.2 + 1);
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 2, succeeded: 1, retried: 1 });
    const onceLog = await attemptsOf(t, once.id);
    expect(onceLog.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([[1, 'failed', 500], [2, 'succeeded', 200]]);
    const firstDelayMs = Date.parse(onceLog[0].next_attempt_at!) - Date.parse(onceLog[0].started_at);
    expect(firstDelayMs).toBeGreaterThanOrEqual(webhookRetryDelaysMs[0] * 0.9);
    expect(firstDelayMs).toBeLessThanOrEqual(webhookRetryDelaysMs[0] * 1.1);
    expect(flaky.received.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    await flaky.close();

    for (const delayMs of webhookRetryDelaysMs.slice(1)) {
      clock.advance(delayMs * 0.9 - 1);
      expect((await t.coffer.jobs.tick()).claimed).toBe(0);
      clock.advance(delayMs * 0.2 + 1);
      expect((await t.coffer.jobs.tick()).claimed).toBe(1);
    }
    const log = await attemptsOf(t, always.id);
    expect(log.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.every((a) => a.outcome === 'failed' && a.status_code === 500 && a.error === 'HTTP 500')).toBe(true);
    expect(log.slice(0, 7).every((a) => a.next_attempt_at !== null)).toBe(true);
    expect(log[7].next_attempt_at).toBeNull();
    const job = await t.coffer.store.db.selectFrom('jobs').selectAll().where('key', '=', `${eventId}:${always.id}`).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'failed', attempts: 8, last_error: 'HTTP 500' });
    expect(hook.received).toHaveLength(8);
    clock.advance(86_400_000);
    expect((await t.coffer.jobs.tick()).claimed).toBe(0);
  });
});

describe.each(storeKinds)('webhook timeouts and private addresses [%s]', (kind) => {
  let t: TestApp;
  let strict: TestApp;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    t = await startTestApp(kind, { ...allowPrivate, COFFER_WEBHOOK_TIMEOUT_MS: '300' });
    strict = await startTestApp(kind);
  });
  afterEach(async () => {
    await resetDeliveries(t);
    await resetDeliveries(strict);
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await t?.close();
    await strict?.close();
  });

  it('fails an attempt whose receiver does not answer within COFFER_WEBHOOK_TIMEOUT_MS', async () => {
    const hook = await startReceiver(() => ({ hang: true }));
    receivers.push(hook);
    const { id } = await addEndpoint(t, { url: hook.url });
    await emitEvent(t);
    const startedMs = performance.now();
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 1, retried: 1 });
    expect(performance.now() - startedMs).toBeLessThan(3_000);
    const [attempt] = await attemptsOf(t, id);
    expect(attempt).toMatchObject({ outcome: 'failed', status_code: null, error: 'timed out after 300 ms' });
    expect(attempt.latency_ms).toBeGreaterThanOrEqual(290);
  });

  it('refuses a loopback address at delivery time without COFFER_WEBHOOK_ALLOW_PRIVATE_URLS, as an IP literal and through DNS', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    const port = new URL(hook.url).port;
    const literal = await addEndpoint(strict, { url: hook.url });
    const named = await addEndpoint(strict, { url: `http://localhost:${port}/hook` });
    const mapped = await addEndpoint(strict, { url: `http://[::ffff:127.0.0.1]:${port}/hook` });
    const metadata = await addEndpoint(strict, { url: 'http://169.254.169.254/latest/meta-data/' });
    await emitEvent(strict);
    expect(await strict.coffer.jobs.tick()).toMatchObject({ claimed: 4, retried: 4 });
    expect(hook.received).toHaveLength(0);
    for (const endpoint of [literal, named, mapped, metadata]) {
      const [attempt] = await attemptsOf(strict, endpoint.id);
      expect(attempt).toMatchObject({ outcome: 'failed', status_code: null });
      expect(attempt.error).toMatch(/^refused: .* resolves to .*, a loopback, private, link-local or metadata address/);
    }
    expect((await attemptsOf(strict, named.id))[0].error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1)/);
  });
});
