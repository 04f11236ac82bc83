// The dashboard's analytics over HTTP, both stores: the customer page's trend and forecast, and the Reports page's
// activity, liability and breakage equal AnalyticsService's answers; the CSV downloads; a read-only key can view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/dashboard/money-text.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { client as formClient } from './form-client.ts';

describe.each(storeKinds)('dashboard reports and the customer analytics over HTTP [%s]', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let customerId: string;
  const post = async (url: string, body: unknown) => {
    const response = await t.request('POST', url, { body });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    customerId = (await post('/customers', { email: 'ann@example.com', name: 'Ann Lee' })).customer_id;
    await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'credit', amount: 10_000, reason: 'Welcome' });
    for (let day = 0; day < 5; day++) {
      clock.advance(86_400_000);
      await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'debit', amount: 700 + day, reason: 'Usage' });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const signedIn = async (apiKey: string) => {
    const c = formClient(t.coffer.app);
    await c.signIn(apiKey);
    return c;
  };
  const cell = (body: string, pattern: RegExp) => pattern.exec(body)?.[1];

  it('the customer page shows the trend and forecast AnalyticsService answers', async () => {
    const c = await signedIn(t.apiKey);
    const body = (await c.get(`/dashboard/customers/${customerId}`)).body;
    const forecast = await t.coffer.analytics.forecast(t.businessId, customerId, 'USD');
    if (!forecast.ok) throw new Error(forecast.message);
    expect(cell(body, /data-testid="forecast-burn-USD">([^<]+)</)).toBe(formatMoney(forecast.value.burn_rate_per_day, 'USD'));
    expect(cell(body, /data-testid="forecast-spend-USD">([^<]+)</)).toBe(formatMoney(forecast.value.window_spend, 'USD'));
    expect(forecast.value.window_spend).toBe(700 + 701 + 702 + 703 + 704);
    expect(cell(body, /data-testid="trend-last-USD">([^<]+)</)).toBe(formatMoney(10_000 - 3510, 'USD'));
    const trend = JSON.parse(cell(body, /id="trend-USD" data-trend="([^"]+)"/)!.replaceAll('&quot;', '"'));
    const answer = await t.coffer.analytics.trend(t.businessId, customerId, 'USD', trend.days[0], '2026-06-07');
    if (!answer.ok) throw new Error(answer.message);
    expect(trend.balances).toEqual(answer.value.items.map((i) => i.closing_balance));
    expect(trend.days).toHaveLength(30);
  });

  it('the Reports page and its CSVs equal the service; a read-only key can view; bad dates are refused in words', async () => {
    for (const key of [t.apiKey, t.readOnlyKey]) {
      const c = await signedIn(key);
      const query = 'from=2026-05-30&to=2026-06-07&period=day&date=2026-06-04';
      const response = await c.get(`/dashboard/reports?${query}`);
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('aria-current="page">Reports<');
      const activity = await t.coffer.analytics.activityReport(t.businessId, { from: '2026-05-30', to: '2026-06-07', period: 'day' });
      const liability = await t.coffer.analytics.liabilityReport(t.businessId, '2026-06-04');
      if (!activity.ok || !liability.ok) throw new Error('the service refused');
      const usdLiability = liability.value.items.find((r) => r.currency === 'USD')!;
      expect(usdLiability.total).toBe(10_000 - 700 - 701 - 702);
      expect(response.body).toContain(`<tr data-currency="USD"><td>USD</td><td class="num">${formatMoney(usdLiability.total, 'USD')}</td>`);
      const csv = await c.get(`/dashboard/reports/activity.csv?${query}`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toContain('attachment');
      const lines = csv.body.trim().split('\r\n');
      expect(lines[0]).toBe('period_start,currency,event_type,credit_amount,debit_amount,entry_count');
      expect(lines.slice(1)).toEqual(activity.value.items.map((r) => [r.period_start, r.currency, r.event_type, r.credit_amount, r.debit_amount, r.entry_count].join(',')));
      expect(lines.length).toBeGreaterThan(3);
      const liabilityCsv = (await c.get(`/dashboard/reports/liability.csv?${query}`)).body.trim().split('\r\n');
      expect(liabilityCsv).toContain(`2026-06-04,${liability.value.at},USD,${usdLiability.total},${usdLiability.paid},${usdLiability.promotional}`);
      expect((await c.get(`/dashboard/reports/breakage.csv?${query}`)).body.split('\r\n')[0]).toBe('period_start,currency,expired_amount,promotional_amount');
    }
    const c = await signedIn(t.apiKey);
    const bad = await c.get('/dashboard/reports?from=2026-13-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('from 2026-13-01 is not a calendar day');
    expect((await c.get('/dashboard/reports/activity.csv?from=nope')).statusCode).toBe(400);
    expect((await c.get('/dashboard/reports/other.csv')).statusCode).toBe(404);
    expect((await formClient(t.coffer.app).get('/dashboard/reports/activity.csv')).statusCode).toBe(303);
  });
});
