// Auto-recharge over HTTP on both stores, with the clock moved by the test: the setting's routes and their refusals,
// 64 concurrent debits crossing the threshold (real HTTP, the official SDK) that start exactly one recharge, the
// cooldown and the monthly cap, declines that back off and then disable it (with its event), and an attempt left
// processing by a job that gave up, which the next check resumes instead of being blocked by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { rechargeInFlightStaleMs } from '../../src/recharges/recharge-limits.ts';
import { attachMethod, walletOf } from '../billing/support.ts';
import { createCustomer, credit, debit } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { attemptsOf, eventsOf, getRecharge, putRecharge, rechargeCounts, rechargePath, runDue } from './support.ts';

const minute = 60_000;
const hour = 60 * minute;

describe.each(storeKinds)('auto-recharge [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2026-04-10T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: '200' }, { clock });
  });
  afterAll(async () => t?.close());

  const customerWith = async (method: string | null) => {
    const customer = await createCustomer(t);
    if (method !== null) await attachMethod(t, customer.customer_id, method);
    return customer.customer_id;
  };
  const expectClean = async () => expect((await verifyStore(t.coffer.store)).findings).toEqual([]);

  it('PUT sets a wallet\'s auto-recharge with defaults, GET reads it, DELETE removes it and answers it as it was', async () => {
    const customerId = await customerWith('pm_card_succeeds');
    await credit(t, customerId, 5000);
    const missing = await t.request('GET', rechargePath(customerId));
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('AUTO_RECHARGE_NOT_FOUND');

    const set = await putRecharge(t, customerId, { threshold_amount: 1000, amount: 5000 });
    expect(set).toMatchObject({
      customer_id: customerId,
      currency: 'USD',
      enabled: true,
      disabled_reason: null,
      threshold_amount: 1000,
      amount: 5000,
      payment_method_id: null,
      cooldown_seconds: 3600,
      monthly_cap_amount: 50_000,
      max_declines: 3,
      declines: 0,
      backoff_until: null,
      month_recharged_amount: 0,
      in_flight_attempt_id: null,
      recent_attempts: [],
    });
    expect(await getRecharge(t, customerId)).toEqual(set);
    // Above the threshold: the check PUT enqueued finds nothing to do.
    await runDue(t);
    expect((await rechargeCounts(t, customerId)).attempts).toEqual([]);

    const replaced = await putRecharge(t, customerId, { threshold_amount: 2000, amount: 3000, cooldown_seconds: 0, monthly_cap_amount: 3000, max_declines: 1, payment_method_id: 'pm_card_succeeds' });
    expect(replaced).toMatchObject({ threshold_amount: 2000, amount: 3000, cooldown_seconds: 0, monthly_cap_amount: 3000, max_declines: 1, payment_method_id: 'pm_card_succeeds' });
    const removed = await t.request('DELETE', rechargePath(customerId));
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ threshold_amount: 2000, amount: 3000 });
    expect((await t.request('GET', rechargePath(customerId))).statusCode).toBe(404);
    expect((await t.request('DELETE', rechargePath(customerId))).json().code).toBe('AUTO_RECHARGE_NOT_FOUND');
    // Removed: a debit below the old threshold starts nothing.
    await debit(t, customerId, 4000);
    await runDue(t);
    expect((await rechargeCounts(t, customerId)).topUps).toEqual([]);
  });

  it('refuses bad input with a 4xx naming the problem, and writes nothing', async () => {
    const customerId = await customerWith(null);
    const put = (body: unknown, options: { path?: string; key?: string } = {}) => t.request('PUT', options.path ?? rechargePath(customerId), { body, key: options.key });
    const cases: Array<[unknown, number, string, { path?: string; key?: string }?]> = [
      [{ threshold_amount: 0, amount: 100 }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: 0 }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: 1.5 }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: '500' }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100 }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: 500, surprise: true }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: 500, cooldown_seconds: -1 }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: 500, max_declines: 0 }, 422, 'INVALID_REQUEST_BODY'],
      [{ threshold_amount: 100, amount: 500, monthly_cap_amount: 499 }, 400, 'INVALID_AUTO_RECHARGE'],
      [{ threshold_amount: 100, amount: 500, payment_method_id: 'pm_not_attached' }, 400, 'INVALID_AUTO_RECHARGE'],
      [{ threshold_amount: 100, amount: 500 }, 404, 'CUSTOMER_NOT_FOUND', { path: rechargePath('cus_missing') }],
      [{ threshold_amount: 100, amount: 500 }, 422, 'UNSUPPORTED_CURRENCY', { path: rechargePath(customerId, 'EUR') }],
      [{ threshold_amount: 100, amount: 500 }, 422, 'INVALID_REQUEST_PARAMETERS', { path: rechargePath(customerId, 'usd') }],
      [{ threshold_amount: 100, amount: 500 }, 403, 'FORBIDDEN', { key: t.readOnlyKey }],
    ];
    for (const [body, status, code, options] of cases) {
      const response = await put(body, options);
      expect(response.statusCode, `${JSON.stringify(body)} ${response.body}`).toBe(status);
      expect(response.json().code).toBe(code);
      expect(typeof response.json().message).toBe('string');
    }
    // Another business cannot see or set this customer's.
    const other = await t.addBusiness('Other business');
    expect((await t.request('PUT', rechargePath(customerId), { body: { threshold_amount: 100, amount: 500 }, key: other.apiKey })).json().code).toBe('CUSTOMER_NOT_FOUND');
    expect((await t.request('GET', rechargePath(customerId), { key: other.apiKey })).json().code).toBe('CUSTOMER_NOT_FOUND');
    const db = t.coffer.store.db;
    expect(await db.selectFrom('auto_recharges').selectAll().where('customer_id', '=', customerId).execute()).toEqual([]);
    expect(await db.selectFrom('jobs').selectAll().where('kind', '=', 'wallet.auto_recharge').where('key', 'like', `${customerId}:%`).execute()).toEqual([]);
  });

  it('64 concurrent debits crossing the threshold (official SDK, real HTTP) start exactly one recharge', async () => {
    const customerId = await customerWith('pm_card_succeeds');
    await credit(t, customerId, 10_000);
    // No cooldown: the in-flight guard alone stops a second recharge.
    await putRecharge(t, customerId, { threshold_amount: 5000, amount: 20_000, cooldown_seconds: 0 });
    await runDue(t);
    const client = sdkClient(await t.listen(), t.apiKey, { maxRetries: 0 });
    let debiting = true;
    // The dispatcher and the job runtime run while the debits land, as they do on a server.
    const background = (async () => {
      while (debiting) {
        await t.coffer.dispatcher.dispatch();
        await t.coffer.jobs.tick();
        // SQLite answers synchronously: yield to the event loop so the HTTP requests are served meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const debits = await Promise.allSettled(
      Array.from({ length: 64 }, (_, i) =>
        client.customers.wallets.ledgerEntries.create(customerId, { amount: 100, currency: 'USD', entry_type: 'debit', idempotency_key: `race-${customerId}-${i}` }),
      ),
    );
    debiting = false;
    await background;
    await runDue(t);
    expect(debits.filter((d) => d.status === 'fulfilled')).toHaveLength(64);
    const counts = await rechargeCounts(t, customerId);
    expect(counts.topUps.map((p) => [Number(p.total_amount), p.status])).toEqual([[20_000, 'succeeded']]);
    expect(counts.credits.map((e) => [Number(e.amount), e.reference_object_id])).toEqual([[20_000, counts.topUps[0].id]]);
    expect(counts.charges.map((c) => [Number(c.amount), c.status])).toEqual([[20_000, 'succeeded']]);
    expect(counts.attempts.map((a) => [a.status, a.payment_id])).toEqual([['succeeded', counts.topUps[0].id]]);
    expect(Number(counts.attempts[0].available_balance_before)).toBeLessThan(5000);
    expect((await walletOf(t, customerId)).balance).toBe(10_000 - 6400 + 20_000);
    expect((await eventsOf(t, customerId)).map((e) => e.type)).toEqual(['wallet.auto_recharge.succeeded']);
    // Checks that ran during the race folded into a few jobs, not one per debit.
    const jobs = await t.coffer.store.db.selectFrom('jobs').select('key').where('kind', '=', 'wallet.auto_recharge').where('key', 'like', `${customerId}:%`).execute();
    expect(jobs.length).toBeLessThan(32);
    await expectClean();
  });

  it('waits out the cooldown, keeps to the monthly cap, and recharges a wallet already below its threshold at once', async () => {
    clock.set(new Date('2026-04-10T00:00:00.000Z'));
    const customerId = await customerWith('pm_card_succeeds');
    // An empty wallet: setting auto-recharge recharges it without waiting for a debit.
    await putRecharge(t, customerId, { threshold_amount: 1000, amount: 2000, cooldown_seconds: 600, monthly_cap_amount: 4000 });
    await runDue(t);
    expect((await walletOf(t, customerId)).balance).toBe(2000);

    await debit(t, customerId, 1500);
    await runDue(t);
    expect(await attemptsOf(t, customerId)).toHaveLength(1);
    clock.advance(599_000);
    await runDue(t);
    expect(await attemptsOf(t, customerId)).toHaveLength(1);
    clock.advance(1000);
    await runDue(t);
    expect((await attemptsOf(t, customerId)).map((a) => a.created_at)).toEqual(['2026-04-10T00:00:00.000Z', '2026-04-10T00:10:00.000Z']);
    expect((await walletOf(t, customerId)).balance).toBe(2500);

    // The month's recharges reached the cap: the next waits for May.
    await debit(t, customerId, 2000);
    clock.advance(2 * hour);
    await runDue(t);
    expect(await attemptsOf(t, customerId)).toHaveLength(2);
    expect(await getRecharge(t, customerId)).toMatchObject({ month_recharged_amount: 4000, in_flight_attempt_id: null });
    clock.set(new Date('2026-04-30T23:59:59.000Z'));
    await runDue(t);
    expect(await attemptsOf(t, customerId)).toHaveLength(2);
    clock.set(new Date('2026-05-01T00:00:00.000Z'));
    await runDue(t);
    const attempts = await attemptsOf(t, customerId);
    expect(attempts.map((a) => [a.created_at, a.status, Number(a.amount)])).toEqual([
      ['2026-04-10T00:00:00.000Z', 'succeeded', 2000],
      ['2026-04-10T00:10:00.000Z', 'succeeded', 2000],
      ['2026-05-01T00:00:00.000Z', 'succeeded', 2000],
    ]);
    expect((await walletOf(t, customerId)).balance).toBe(2500);
    expect(await getRecharge(t, customerId)).toMatchObject({ month_recharged_amount: 2000 });
    expect((await getRecharge(t, customerId)).recent_attempts.map((a: { id: string }) => a.id)).toEqual(attempts.map((a) => a.id).reverse());
    expect((await rechargeCounts(t, customerId)).credits).toHaveLength(3);
    await expectClean();
  });

  it('a decline backs off (1 h, then 2 h); max_declines in a row disable it with wallet.auto_recharge.disabled; PUT turns it on again', async () => {
    clock.set(new Date('2026-06-01T00:00:00.000Z'));
    const customerId = await customerWith('pm_card_declines');
    await putRecharge(t, customerId, { threshold_amount: 1000, amount: 2000, cooldown_seconds: 0, max_declines: 3 });
    await runDue(t);
    let setting = await getRecharge(t, customerId);
    expect(setting).toMatchObject({ enabled: true, declines: 1, backoff_until: '2026-06-01T01:00:00.000Z' });
    expect(setting.recent_attempts.map((a: { status: string; error_code: string }) => [a.status, a.error_code])).toEqual([['failed', 'card_declined']]);

    clock.advance(59 * minute);
    await runDue(t);
    expect(await attemptsOf(t, customerId)).toHaveLength(1);
    clock.advance(minute);
    await runDue(t);
    expect(await getRecharge(t, customerId)).toMatchObject({ enabled: true, declines: 2, backoff_until: '2026-06-01T03:00:00.000Z' });
    clock.advance(2 * hour);
    await runDue(t);
    setting = await getRecharge(t, customerId);
    expect(setting).toMatchObject({ enabled: false, disabled_reason: 'declines', declines: 3 });
    const attempts = await attemptsOf(t, customerId);
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);

    // Off: a debit below the threshold starts nothing, however long we wait.
    await credit(t, customerId, 5000);
    await debit(t, customerId, 4500);
    clock.advance(48 * hour);
    await runDue(t);
    expect(await attemptsOf(t, customerId)).toHaveLength(3);
    const events = await eventsOf(t, customerId);
    expect(events.map((e) => e.type)).toEqual(['wallet.auto_recharge.failed', 'wallet.auto_recharge.failed', 'wallet.auto_recharge.failed', 'wallet.auto_recharge.disabled']);
    expect(events[2].data).toMatchObject({ payload_type: 'AutoRechargeAttempt', id: attempts[2].id, status: 'failed', error_code: 'card_declined', declines: 3 });
    expect(events[3].data).toMatchObject({ payload_type: 'AutoRechargeSettings', enabled: false, disabled_reason: 'declines', declines: 3, attempt_id: attempts[2].id });
    // Nothing reached the wallet: no payment credit, the balance is what the entries made it.
    const counts = await rechargeCounts(t, customerId);
    expect(counts.credits).toEqual([]);
    expect(counts.topUps.map((p) => p.status)).toEqual(['failed', 'failed', 'failed']);
    expect((await walletOf(t, customerId)).balance).toBe(500);

    // A working card and PUT: on again from zero declines, and the wallet is recharged.
    await attachMethod(t, customerId, 'pm_card_succeeds');
    expect(await putRecharge(t, customerId, { threshold_amount: 1000, amount: 2000, cooldown_seconds: 0, max_declines: 3 })).toMatchObject({ enabled: true, disabled_reason: null, declines: 0, backoff_until: null });
    await runDue(t);
    expect((await walletOf(t, customerId)).balance).toBe(2500);
    expect((await eventsOf(t, customerId)).at(-1)).toMatchObject({ type: 'wallet.auto_recharge.succeeded', data: { declines: 0, status: 'succeeded', amount: 2000 } });
    await expectClean();
  });

  it('an attempt left processing by a job that gave up does not block later recharges: the next check resumes it', async () => {
    clock.set(new Date('2026-07-01T00:00:00.000Z'));
    const customerId = await customerWith('pm_card_times_out');
    await putRecharge(t, customerId, { threshold_amount: 1000, amount: 2000, cooldown_seconds: 0 });
    // The processor does not answer: the attempt and its top-up stay processing.
    await runDue(t);
    const [attempt] = await attemptsOf(t, customerId);
    expect(attempt).toMatchObject({ status: 'processing' });
    expect(attempt.payment_id).toMatch(/^pay_/);
    // Its job used up its attempts, and so did the top-up's own recovery.
    const db = t.coffer.store.db;
    await db.updateTable('jobs').set({ state: 'failed' }).where('kind', 'in', ['wallet.auto_recharge', 'billing.recover_top_up']).where('state', '=', 'pending').where((eb) => eb.or([eb('key', 'like', `${customerId}:%`), eb('key', '=', attempt.payment_id!)])).execute();

    // A trigger soon after: the attempt is fresh, the check leaves it alone.
    await credit(t, customerId, 3000);
    await debit(t, customerId, 2500);
    await runDue(t);
    expect((await attemptsOf(t, customerId)).map((a) => a.status)).toEqual(['processing']);
    // Once it is stale, the next trigger resumes it under its key: the processor answers, the wallet is credited once.
    clock.advance(rechargeInFlightStaleMs);
    await debit(t, customerId, 100);
    await runDue(t);
    const counts = await rechargeCounts(t, customerId);
    expect(counts.attempts.map((a) => [a.id, a.status])).toEqual([[attempt.id, 'succeeded']]);
    expect(counts.topUps.map((p) => [p.id, p.status])).toEqual([[attempt.payment_id, 'succeeded']]);
    expect(counts.charges).toHaveLength(1);
    expect(counts.credits).toHaveLength(1);
    expect((await walletOf(t, customerId)).balance).toBe(3000 - 2500 - 100 + 2000);
    expect(await getRecharge(t, customerId)).toMatchObject({ in_flight_attempt_id: null });
    await expectClean();
  });
});
