// The analytics commands as an operator runs them, on both stores: `coffer statement`, `coffer report`, `coffer export`
// (CSV and JSON lines, streamed) and `coffer rollups rebuild`, each agreeing with what the API answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, credit, debit } from '../support/fixtures.ts';
import { runCoffer } from '../support/ops.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('analytics commands [%s]', (kind) => {
  let t: TestApp;
  let customerId: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    customerId = (await createCustomer(t)).customer_id;
    await credit(t, customerId, 1_000, 'USD', { category: 'promotional' });
    await credit(t, customerId, 2_000, 'USD', { reason: 'top-up, "March"' });
    await debit(t, customerId, 1_500, 'USD');
    await credit(t, customerId, 7_000, 'INR');
  });
  afterAll(() => t?.close());

  const range = ['--from', '2000-01-01T00:00:00Z', '--to', '2999-01-01T00:00:00Z'];

  it('prints a statement as JSON and as CSV, the same as the API', async () => {
    const json = await runCoffer(['statement', '--business', t.businessId, '--customer', customerId, '--currency', 'USD', ...range], t.env);
    expect(json.code, json.stderr).toBe(0);
    const api = await t.request('GET', `/customers/${customerId}/wallets/statement?currency=USD&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z`);
    expect(JSON.parse(json.stdout)).toEqual(api.json());
    const csv = await runCoffer(['statement', '--business', t.businessId, '--customer', customerId, '--currency', 'USD', ...range, '--format', 'csv'], t.env);
    expect(csv.stdout.trimEnd().split('\r\n')).toHaveLength(4);
    expect(csv.stdout).toContain('"top-up, ""March"""');
    const unknown = await runCoffer(['statement', '--business', t.businessId, '--customer', 'cus_nobody', '--currency', 'USD', ...range], t.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('CUSTOMER_NOT_FOUND');
  }, 60_000);

  it('prints the liability report, paid and promotional, and rebuilds the rollups to the same figures', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const before = await runCoffer(['report', 'liability', '--business', t.businessId, '--date', today], t.env);
    expect(before.code, before.stderr).toBe(0);
    // 1,000 promotional, 2,000 paid; the debit spent promotional money first.
    expect(JSON.parse(before.stdout).items).toEqual([
      { currency: 'INR', total: 7_000, paid: 7_000, promotional: 0 },
      { currency: 'USD', total: 1_500, paid: 1_500, promotional: 0 },
    ]);
    const rebuild = await runCoffer(['rollups', 'rebuild'], t.env);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(JSON.parse(rebuild.stdout).rolled_up_entries).toBeGreaterThanOrEqual(4);
    const after = await runCoffer(['report', 'liability', '--business', t.businessId, '--date', today], t.env);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
    // The rebuild rebuilt the business's day rows too: the wallets' day rows summed.
    const business = await t.coffer.store.db
      .selectFrom('business_day_rollups')
      .select((eb) => ['currency', 'event_type', eb.fn.sum('credit_amount').as('credit'), eb.fn.sum('debit_amount').as('debit'), eb.fn.sum('entry_count').as('count')])
      .where('business_id', '=', t.businessId)
      .groupBy(['currency', 'event_type'])
      .execute();
    expect(business.map((r) => [r.currency, r.event_type, Number(r.credit), Number(r.debit), Number(r.count)]).sort()).toEqual([
      ['INR', 'merchant_adjustment', 7_000, 0, 1],
      ['USD', 'merchant_adjustment', 3_000, 1_500, 3],
    ]);
    const activity = await runCoffer(['report', 'activity', '--business', t.businessId, '--from', today, '--to', '2999-01-01', '--period', 'month'], t.env);
    expect(activity.code).toBe(2);
    expect(activity.stderr).toContain('INVALID_TIME_RANGE');
  }, 60_000);

  it('exports every entry as CSV and as JSON lines, to stdout or a file', async () => {
    const csv = await runCoffer(['export', '--format', 'csv', '--business', t.businessId], t.env);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,business_id,customer_id,currency,wallet_seq,created_at,event_type,is_credit,amount,before_balance,after_balance,reason,reference_object_id');
    expect(lines).toHaveLength(5);
    expect(csv.stderr).toContain('exported 4 entries');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-export-')), 'ledger.jsonl');
    const jsonl = await runCoffer(['export', '--format', 'jsonl', '--business', t.businessId, '--output', file, '--to', '2999-01-01T00:00:00Z'], t.env);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const rows = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((r) => r.amount).sort((a, b) => a - b)).toEqual([1_000, 1_500, 2_000, 7_000]);
    expect(rows.reduce((sum, r) => sum + (r.is_credit ? r.amount : -r.amount), 0)).toBe(8_500);
    const none = await runCoffer(['export', '--format', 'jsonl', '--business', t.businessId, '--from', '2999-01-01T00:00:00Z'], t.env);
    expect(none.stdout).toBe('');
    const bad = await runCoffer(['export', '--format', 'xml'], t.env);
    expect(bad.code).not.toBe(0);
  }, 60_000);
});
