// The analytics routes over HTTP on both stores: statements as JSON, CSV and HTML, balances as of an instant, trends,
// forecasts, reports, the business time zone, bad input refused with the field named, and wallet.depletion_forecast
// firing once per crossing into the horizon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupJobKey, rollupJobKind } from '../../src/analytics/analytics-limits.ts';
import { enqueueJob } from '../../src/jobs/enqueue.ts';
import { idGenerator } from '../../src/shared/ids.ts';
import { createCustomer, credit, debit } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('analytics over HTTP [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2025-03-01T09:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_FORECAST_HORIZON_DAYS: '7', COFFER_FORECAST_WINDOW_DAYS: '10' }, { clock });
  });
  afterAll(() => t?.close());

  it('serves a statement as JSON, as streamed CSV and as a printable HTML page with a strict CSP', async () => {
    const customer = await createCustomer(t);
    const id = customer.customer_id;
    await credit(t, id, 1000, 'USD', { reason: '<script>alert(1)</script>' });
    clock.advance(60_000);
    await debit(t, id, 250, 'USD', { reason: '=HYPERLINK("x")' });
    clock.advance(60_000);
    const query = `currency=USD&from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00%2B01:00`;
    const json = await t.request('GET', `/customers/${id}/wallets/statement?${query}`);
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toMatchObject({ opening_balance: 0, closing_balance: 750, entry_count: 2, totals: [{ event_type: 'merchant_adjustment', credit_amount: 1000, debit_amount: 250, entry_count: 2 }] });
    expect(json.json().to).toBe('2025-03-01T23:00:00.000Z');

    const csv = await t.request('GET', `/customers/${id}/wallets/statement?${query}&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,created_at,event_type,is_credit,amount,before_balance,after_balance,reason,reference_object_id');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(`"'=HYPERLINK(""x"")"`);

    const html = await t.request('GET', `/customers/${id}/wallets/statement?${query}&format=html`);
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(html.body).not.toContain('<script>');
    expect(html.body).toContain('&#60;script&#62;');
    expect(html.body).not.toMatch(/<link|<img|src=|href=/);
  });

  it('answers the wallets as of an instant in the wallets shape, and refuses the future and bad input', async () => {
    const id = (await createCustomer(t)).customer_id;
    await credit(t, id, 500, 'USD');
    const afterCredit = clock.now().toISOString();
    clock.advance(1_000);
    await debit(t, id, 200, 'USD');
    const then = await t.request('GET', `/customers/${id}/wallets?as_of=${afterCredit}`);
    expect(then.statusCode, then.body).toBe(200);
    expect(then.json().items.find((w: { currency: string }) => w.currency === 'USD').balance).toBe(500);
    expect(then.json().total_balance_usd).toBe(500);
    const before = await t.request('GET', `/customers/${id}/wallets?as_of=2000-01-01T00:00:00Z`);
    expect(before.json().items.every((w: { balance: number }) => w.balance === 0)).toBe(true);
    const future = await t.request('GET', `/customers/${id}/wallets?as_of=2999-01-01T00:00:00Z`);
    expect(future.statusCode).toBe(422);
    expect(future.json().code).toBe('AS_OF_IN_FUTURE');
    const bad = await t.request('GET', `/customers/${id}/wallets?as_of=yesterday`);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().message).toContain('as_of');
  });

  it('refuses bad ranges, unknown customers and other businesses, naming the field', async () => {
    const id = (await createCustomer(t)).customer_id;
    const reversed = await t.request('GET', `/customers/${id}/wallets/statement?currency=USD&from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z`);
    expect([reversed.statusCode, reversed.json().code]).toEqual([422, 'INVALID_TIME_RANGE']);
    const missing = await t.request('GET', `/customers/${id}/wallets/statement?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z`);
    expect([missing.statusCode, missing.json().code]).toEqual([422, 'INVALID_REQUEST_PARAMETERS']);
    expect(missing.json().message).toContain('currency');
    const eur = await t.request('GET', `/customers/${id}/wallets/EUR/trend?from=2025-03-01&to=2025-03-02`);
    expect(eur.json().code).toBe('UNSUPPORTED_CURRENCY');
    const notDay = await t.request('GET', `/reports/activity?from=2025-02-30&to=2025-03-02`);
    expect([notDay.statusCode, notDay.json().code]).toEqual([422, 'INVALID_TIME_RANGE']);
    expect(notDay.json().message).toContain('from');
    const tooLong = await t.request('GET', `/reports/breakage?from=2000-01-01&to=2025-03-02`);
    expect(tooLong.json().code).toBe('INVALID_TIME_RANGE');
    const other = await t.addBusiness('Other');
    const foreign = await t.request('GET', `/customers/${id}/wallets/USD/forecast`, { key: other.apiKey });
    expect([foreign.statusCode, foreign.json().code]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
    const foreignAsOf = await t.request('GET', `/customers/${id}/wallets?as_of=2025-01-01T00:00:00Z`, { key: other.apiKey });
    expect(foreignAsOf.statusCode).toBe(404);
  });

  it('keeps the time zone per business: validated, read-only keys cannot set it, a change re-buckets the days', async () => {
    const business = await t.addBusiness('Zoned');
    const key = business.apiKey;
    expect((await t.request('GET', '/business/settings', { key })).json()).toEqual({ time_zone: 'UTC' });
    const bad = await t.request('PATCH', '/business/settings', { key, body: { time_zone: 'Mars/Olympus' } });
    expect([bad.statusCode, bad.json().code]).toEqual([422, 'INVALID_TIME_ZONE']);
    expect(bad.json().message).toContain('time_zone');
    const unknownField = await t.request('PATCH', '/business/settings', { key, body: { timezone: 'UTC' } });
    expect(unknownField.statusCode).toBe(422);
    const readOnly = await t.request('PATCH', '/business/settings', { key: business.readOnlyKey, body: { time_zone: 'Asia/Tokyo' } });
    expect(readOnly.statusCode).toBe(403);
    expect((await t.request('GET', '/business/settings', { key })).json()).toEqual({ time_zone: 'UTC' });

    // 2025-03-01T20:00Z is 1 March in UTC and 2 March in Tokyo.
    clock.set(new Date('2025-03-01T20:00:00.000Z'));
    const id = (await createCustomer(t, {}, key)).customer_id;
    const posted = await t.request('POST', `/customers/${id}/wallets/ledger-entries`, { key, body: { amount: 300, currency: 'USD', entry_type: 'credit' } });
    expect(posted.statusCode, posted.body).toBe(200);
    const daysOf = async () => (await t.request('GET', '/reports/activity?from=2025-03-01&to=2025-03-03', { key })).json().items.map((i: { period_start: string }) => i.period_start);
    const { rollUpAll } = await import('../../src/analytics/rollup-job.ts');
    const { bookkeepingFor } = await import('../../src/db/bookkeeping.ts');
    const rollup = { db: t.coffer.store.db, store: t.coffer.store.kind, bookkeeping: bookkeepingFor(t.coffer.store), clock };
    await rollUpAll(rollup);
    expect(await daysOf()).toEqual(['2025-03-01']);
    const set = await t.request('PATCH', '/business/settings', { key, body: { time_zone: 'Asia/Tokyo' } });
    expect(set.json()).toEqual({ time_zone: 'Asia/Tokyo' });
    expect(await daysOf()).toEqual(['2025-03-02']); // exact before the rollups are rebuilt…
    await rollUpAll(rollup);
    expect(await daysOf()).toEqual(['2025-03-02']); // …and after
  });

  it('fires wallet.depletion_forecast once when the projection enters the horizon, again only after leaving it', async () => {
    const newId = idGenerator(clock);
    await enqueueJob(t.coffer.store.db, { kind: rollupJobKind, key: rollupJobKey, dueAt: clock.now() }, { newId, now: clock.now() });
    const id = (await createCustomer(t)).customer_id;
    const forecasts = async () => {
      clock.advance(10_000); // the job defers itself by COFFER_ROLLUP_INTERVAL_MS
      await t.coffer.jobs.tick();
      const rows = await t.coffer.store.db.selectFrom('events').select('data').where('type', '=', 'wallet.depletion_forecast').where('customer_id', '=', id).execute();
      return rows.map((r) => JSON.parse(r.data));
    };
    await credit(t, id, 100_000, 'USD');
    for (let day = 0; day < 10; day++) {
      clock.advance(86_400_000);
      await debit(t, id, 1_000, 'USD');
    }
    expect(await forecasts()).toEqual([]); // 90,000 left at 1,000 a day: 90 days away
    for (let day = 0; day < 3; day++) {
      clock.advance(3_600_000);
      await debit(t, id, 28_000, 'USD');
    }
    let events = await forecasts();
    expect(events).toHaveLength(1); // 6,000 left at ~9,400 a day
    expect(events[0]).toMatchObject({ payload_type: 'WalletDepletionForecast', customer_id: id, currency: 'USD', horizon_days: 7, balance: 6_000 });
    clock.advance(3_600_000);
    await debit(t, id, 1_000, 'USD');
    expect(await forecasts()).toHaveLength(1); // still inside: no second event
    await credit(t, id, 10_000_000, 'USD');
    expect(await forecasts()).toHaveLength(1); // left the horizon
    clock.advance(3_600_000);
    await debit(t, id, 9_990_000, 'USD');
    events = await forecasts();
    expect(events).toHaveLength(2); // came back in: once more
    const forecast = await t.request('GET', `/customers/${id}/wallets/USD/forecast`);
    expect(forecast.statusCode).toBe(200);
    expect(forecast.json()).toMatchObject({ window_days: 10, confidence: 'low' });
    expect(forecast.json().reasons).toContain('recent_top_up');
    const trend = await t.request('GET', `/customers/${id}/wallets/USD/trend?from=2025-03-01&to=2025-04-01`);
    expect(trend.statusCode).toBe(200);
    expect(trend.json().items).toHaveLength(31);
  });
});
