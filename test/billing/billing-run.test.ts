// `coffer billing run --until <time>` as a user runs it (a child process of bin/coffer.js, dist built): every job due
// by then runs at its due time, so holds placed now with expires_at next week and a lot expiring in three days are
// expired, and a hold due after --until is left alone. Both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, credit } from '../support/fixtures.ts';
import { runCoffer } from '../support/ops.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { mustHold, walletOf } from './support.ts';

const day = 86_400_000;

describe.each(storeKinds)('coffer billing run [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs every job due until --until, each at its due time, and nothing due later', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000, 'USD', { expires_at: new Date(Date.now() + 3 * day).toISOString() });
    await credit(t, customer.customer_id, 500);
    const soon = await mustHold(t, customer.customer_id, 300, { expires_at: new Date(Date.now() + 7 * day).toISOString() });
    const later = await mustHold(t, customer.customer_id, 100, { expires_at: new Date(Date.now() + 60 * day).toISOString() });
    const until = new Date(Date.now() + 30 * day).toISOString();

    const run = await runCoffer(['billing', 'run', '--until', until], t.env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(report).toMatchObject({ until: new Date(until).toISOString(), failed: 0 });
    expect(report.succeeded).toBeGreaterThanOrEqual(2);

    expect((await t.request('GET', `/holds/${soon.id}`)).json().status).toBe('expired');
    expect((await t.request('GET', `/holds/${later.id}`)).json().status).toBe('active');
    // Both holds reserved from the expiring lot, spent first (300 and 100 of it). On day 3 its unheld 600 expired; the
    // 300 the first hold gave back on day 7 expired at once; the later hold still holds its 100 of the expired lot.
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 600, held_amount: 100, available_balance: 500 });
    const expirations = (await t.request('GET', `/customers/${customer.customer_id}/wallets/ledger-entries?currency=USD`)).json().items.filter((e: { event_type: string }) => e.event_type === 'expiration');
    expect(expirations.map((e: { amount: number }) => e.amount).sort()).toEqual([300, 600]);

    const bad = await runCoffer(['billing', 'run', '--until', 'next week'], t.env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('ISO 8601');
  });
});
