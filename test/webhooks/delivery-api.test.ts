// The delivery log and redelivery routes on both stores: cursor pages newest first, redelivery by event and by time,
// tenant isolation, validation, access levels, and the delivery metrics on /metrics.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, type TestBusiness, startTestApp } from '../support/test-app.ts';
import { type Receiver, addEndpoint, emitEvent, resetDeliveries, startReceiver } from './receiver.ts';

describe.each(storeKinds)('delivery log and redelivery API [%s]', (kind) => {
  let t: TestApp;
  let other: TestBusiness;
  let hook: Receiver;
  let status = 500;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    other = await t.addBusiness('Other business');
    hook = await startReceiver(() => ({ status }));
  });
  afterEach(async () => {
    status = 500;
    await resetDeliveries(t);
  });
  afterAll(async () => {
    await hook?.close();
    await t?.close();
  });

  const attempts = (endpointId: string, query = '', key?: string) => t.request('GET', `/webhooks/${endpointId}/attempts${query}`, { key });
  const redeliver = (endpointId: string, body: unknown, key?: string) => t.request('POST', `/webhooks/${endpointId}/redeliver`, { body, key });

  it('pages through the attempts newest first with the iterator, and filters by event_id', async () => {
    const { id } = await addEndpoint(t, { url: hook.url });
    const events = [await emitEvent(t), await emitEvent(t), await emitEvent(t)];
    await t.coffer.jobs.tick();
    status = 200;
    await redeliver(id, { event_id: events[1] });
    await t.coffer.jobs.tick();

    const seen: Array<{ id: string; event_id: string; outcome: string; started_at: string }> = [];
    let iterator: string | null = null;
    for (let page = 0; page < 5; page++) {
      const response = await attempts(id, `?limit=2${iterator ? `&iterator=${iterator}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      seen.push(...body.data);
      expect(body.done).toBe(body.iterator === null);
      iterator = body.iterator;
      if (body.done) break;
      expect(body.data).toHaveLength(2);
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((a) => a.id)).size).toBe(4);
    const order = [...seen].sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : a.id < b.id ? 1 : -1));
    expect(seen.map((a) => a.id)).toEqual(order.map((a) => a.id));
    expect(seen[0]).toMatchObject({ event_id: events[1], outcome: 'succeeded', attempt: 1, status_code: 200, next_attempt_at: null, error: null });
    expect(Object.keys(seen[0]).sort()).toEqual(['attempt', 'error', 'event_id', 'id', 'latency_ms', 'next_attempt_at', 'outcome', 'started_at', 'status_code']);

    const forEvent = (await attempts(id, `?event_id=${events[1]}`)).json();
    expect(forEvent.data.map((a: { outcome: string }) => a.outcome)).toEqual(['succeeded', 'failed']);
    expect(forEvent).toMatchObject({ done: true, iterator: null });
    // An iterator that names no attempt of this endpoint is an empty last page.
    expect((await attempts(id, '?iterator=wha_unknown')).json()).toEqual({ data: [], iterator: null, done: true });
  });

  it('redelivers one event, or every subscribed event since a time, under fresh job keys each call', async () => {
    status = 200;
    const { id } = await addEndpoint(t, { url: hook.url, filterTypes: ['customer.created'] });
    const before = hook.received.length;
    const first = await emitEvent(t);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    await pause();
    const since = t.coffer.clock.now().toISOString();
    await pause();
    const second = await emitEvent(t);
    await t.coffer.jobs.tick();
    expect(hook.received.length - before).toBe(2);

    expect((await redeliver(id, { event_id: first })).json()).toEqual({ enqueued: 1, truncated: false });
    expect((await redeliver(id, { event_id: first })).json()).toEqual({ enqueued: 1, truncated: false });
    const sinceResponse = await redeliver(id, { since });
    expect(sinceResponse.json()).toEqual({ enqueued: 1, truncated: false });
    expect(await t.coffer.jobs.tick()).toMatchObject({ claimed: 3, succeeded: 3 });
    const ids = hook.received.slice(before + 2).map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual([first, first, second].sort());
    expect((await redeliver(id, { since: '2999-01-01T00:00:00Z' })).json()).toEqual({ enqueued: 0, truncated: false });

    const keys = await t.coffer.store.db.selectFrom('jobs').select('key').where('key', 'like', `${first}:${id}%`).execute();
    expect(keys).toHaveLength(3);
    expect(keys.filter((k) => k.key.includes(':redeliver:'))).toHaveLength(2);
  });

  it("answers 404 for an unknown endpoint or another business's, and for another business's event", async () => {
    const mine = await addEndpoint(t, { url: hook.url });
    const theirs = await addEndpoint(t, { url: hook.url, businessId: other.businessId });
    const theirEvent = await emitEvent(t, other.apiKey);
    for (const response of [await attempts(theirs.id), await attempts('whk_unknown'), await redeliver(theirs.id, { event_id: theirEvent })]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('WEBHOOK_NOT_FOUND');
      expect(response.body).not.toContain(other.businessId);
    }
    const wrongEvent = await redeliver(mine.id, { event_id: theirEvent });
    expect(wrongEvent.statusCode).toBe(404);
    expect(wrongEvent.json().code).toBe('WEBHOOK_EVENT_NOT_FOUND');
    expect((await redeliver(mine.id, { event_id: 'evt_unknown' })).json().code).toBe('WEBHOOK_EVENT_NOT_FOUND');
    // The other business sees its own endpoint, not ours.
    expect((await attempts(theirs.id, '', other.apiKey)).statusCode).toBe(200);
    expect((await attempts(mine.id, '', other.apiKey)).statusCode).toBe(404);
  });

  it('refuses a redelivery without exactly one target, with bad fields, to a disabled endpoint, or with a read-only key', async () => {
    const { id } = await addEndpoint(t, { url: hook.url });
    const eventId = await emitEvent(t);
    const refused = async (body: unknown, statusCode: number, code: string, key?: string) => {
      const response = await redeliver(id, body, key);
      expect(response.statusCode, response.body).toBe(statusCode);
      expect(response.json().code).toBe(code);
      return response.json().message as string;
    };
    expect(await refused({}, 422, 'WEBHOOK_REDELIVERY_TARGET_INVALID')).toMatch(/exactly one of event_id/);
    await refused({ event_id: eventId, since: '2025-01-01T00:00:00Z' }, 422, 'WEBHOOK_REDELIVERY_TARGET_INVALID');
    expect(await refused({ event_id: eventId, extra: 1 }, 422, 'INVALID_REQUEST_BODY')).toContain('"extra"');
    await refused({ since: 'yesterday' }, 422, 'INVALID_REQUEST_BODY');
    await refused({ event_id: 42 }, 422, 'INVALID_REQUEST_BODY');
    await refused({ event_id: eventId }, 403, 'FORBIDDEN', t.readOnlyKey);
    expect((await attempts(id, '', t.readOnlyKey)).statusCode).toBe(200);
    expect((await attempts(id, '?limit=0')).statusCode).toBe(422);
    expect((await attempts(id, '?limit=101')).statusCode).toBe(422);
    expect((await attempts(id, '?foo=1')).json().code).toBe('INVALID_REQUEST_PARAMETERS');

    await t.coffer.store.db.updateTable('webhook_endpoints').set({ disabled: 1 }).where('id', '=', id).execute();
    expect(await refused({ event_id: eventId }, 409, 'WEBHOOK_ENDPOINT_DISABLED')).toMatch(/disabled/);
  });

  it('reports attempts by outcome, latency, the pending backlog and its age on /metrics', async () => {
    const { id } = await addEndpoint(t, { url: hook.url });
    await emitEvent(t);
    await t.coffer.jobs.tick();
    const text = (await t.request('GET', '/metrics', { key: null })).body;
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    expect(value(/^coffer_webhook_attempts_total\{outcome="failed"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^coffer_webhook_attempts_total\{outcome="skipped"\} \d+/m);
    expect(value(/^coffer_webhook_delivery_duration_seconds_count (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^coffer_webhook_deliveries_pending (\d+)/m)).toBe(1);
    expect(value(/^coffer_webhook_oldest_pending_age_seconds (\S+)/m)).toBeGreaterThanOrEqual(0);
    await t.coffer.store.db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
  });
});
