// `coffer webhooks list | test | redeliver` as an operator runs them: child processes of bin/coffer.js on both stores.
import DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCoffer } from '../support/ops.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Receiver, addEndpoint, emitEvent, startReceiver } from './receiver.ts';

// Each child process may run the sources through tsx (1–2 s of CPU on a busy machine).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const allowPrivate = { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };

describe.each(storeKinds)('coffer webhooks [%s]', (kind) => {
  let t: TestApp;
  let failing: Receiver;
  let working: Receiver;
  beforeAll(async () => {
    t = await startTestApp(kind, allowPrivate);
    failing = await startReceiver(() => ({ status: 503 }));
    working = await startReceiver();
  });
  afterAll(async () => {
    await failing?.close();
    await working?.close();
    await t?.close();
  });

  it('list shows each endpoint with its pending and failed deliveries; test sends a signed webhook.test; redeliver enqueues', async () => {
    const broken = await addEndpoint(t, { url: failing.url });
    const fine = await addEndpoint(t, { url: working.url });
    const eventId = await emitEvent(t);
    await t.coffer.jobs.tick();
    await t.coffer.store.db
      .updateTable('jobs')
      .set({ state: 'failed' })
      .where('key', '=', `${eventId}:${broken.id}`)
      .execute();
    await emitEvent(t);
    await t.coffer.jobs.tick();

    const listed = await runCoffer(['webhooks', 'list', '--json'], t.env);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<{ id: string; pending: number; failed: number; disabled: boolean; url: string }>;
    expect(rows.find((row) => row.id === broken.id)).toMatchObject({ pending: 1, failed: 1, disabled: false, url: failing.url });
    expect(rows.find((row) => row.id === fine.id)).toMatchObject({ pending: 0, failed: 0 });
    const text = await runCoffer(['webhooks', 'list'], t.env);
    expect(text.stdout).toMatch(new RegExp(`^${broken.id} +${t.businessId} +enabled +pending 1 +failed 1 +${failing.url}$`, 'm'));

    const tested = await runCoffer(['webhooks', 'test', fine.id], t.env);
    expect(tested.stderr).toBe('');
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(new RegExp(`^webhooks test: ${working.url} answered 200 in \\d+ ms \\(webhook-id evt_\\w+\\)$`, 'm'));
    const delivery = working.received.at(-1)!;
    const envelope = new DodoPayments({ bearerToken: 'unused', logLevel: 'off' }).webhooks.unwrap(delivery.body, { headers: delivery.headers, key: fine.secret });
    expect(envelope).toMatchObject({ type: 'webhook.test', business_id: t.businessId, data: { payload_type: 'WebhookTest', endpoint_id: fine.id } });
    const failedTest = await runCoffer(['webhooks', 'test', broken.id], t.env);
    expect(failedTest.code).toBe(1);
    expect(failedTest.stdout).toMatch(/answered 503/);

    const again = await runCoffer(['webhooks', 'redeliver', fine.id, '--event', eventId], t.env);
    expect(again.stderr).toBe('');
    expect(again.stdout.trim()).toBe(`webhooks redeliver: enqueued 1 delivery to ${fine.id}`);
    const since = await runCoffer(['webhooks', 'redeliver', fine.id, '--since', '2000-01-01T00:00:00Z'], t.env);
    expect(since.stdout.trim()).toBe(`webhooks redeliver: enqueued 2 deliveries to ${fine.id}`);
    const before = working.received.length;
    // (The broken endpoint's retry may be due by now as well: these children take seconds.)
    expect(await t.coffer.jobs.tick()).toMatchObject({ succeeded: 3 });
    expect(working.received.length - before).toBe(3);
  });

  it('refuses an unknown endpoint, no target or two, and a bad time, with one line and exit code 2', async () => {
    const { id } = await addEndpoint(t, { url: working.url });
    const cases: Array<[string[], RegExp]> = [
      [['webhooks', 'test', 'whk_unknown'], /webhook endpoint whk_unknown not found/],
      [['webhooks', 'redeliver', 'whk_unknown', '--event', 'evt_x'], /No webhook endpoint whk_unknown$/m],
      [['webhooks', 'redeliver', id], /exactly one of --event <id> or --since <time>/],
      [['webhooks', 'redeliver', id, '--event', 'evt_x', '--since', '2025-01-01T00:00:00Z'], /exactly one of/],
      [['webhooks', 'redeliver', id, '--since', 'yesterday'], /--since is not an RFC 3339 date-time/],
      [['webhooks', 'redeliver', id, '--event', 'evt_missing'], /No event evt_missing$/m],
    ];
    for (const [args, message] of cases) {
      const result = await runCoffer(args, t.env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
