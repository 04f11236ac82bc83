// Holds over HTTP on both stores: held and available balances, capture (whole and partial), release, expiry by the
// job, lots reserved in consumption order, and the refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { createCustomer, credit, postEntry } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { entriesOf, mustHold, placeHold, walletOf } from './support.ts';

describe.each(storeKinds)('holds [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  const expectClean = async () => {
    const report = await verifyStore(t.coffer.store);
    expect(report.findings).toEqual([]);
  };

  it('a hold reserves available money: balance stays, held grows, debits take only what is available', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 6000);
    const hold = await mustHold(t, customer.customer_id, 2500, { reason: 'ride in progress' });
    expect(hold).toMatchObject({ status: 'active', amount: 2500, captured_amount: 0, customer_id: customer.customer_id, currency: 'USD', reason: 'ride in progress' });
    expect(hold.id).toMatch(/^hold_/);
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 6000, held_amount: 2500, available_balance: 3500 });

    const refused = await postEntry(t, customer.customer_id, { amount: 3501, currency: 'USD', entry_type: 'debit' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', available_balance: 3500, held_amount: 2500, requested_amount: 3501, balance: 6000 });
    expect(refused.json().message).toContain('3500 USD available');
    const second = await placeHold(t, customer.customer_id, 3501);
    expect(second.statusCode).toBe(400);
    expect(second.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', available_balance: 3500, held_amount: 2500, requested_amount: 3501 });

    const debited = await postEntry(t, customer.customer_id, { amount: 3500, currency: 'USD', entry_type: 'debit' });
    expect(debited.statusCode, debited.body).toBe(200);
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 2500, held_amount: 2500, available_balance: 0 });
    await expectClean();
  });

  it('a plain debit refused without holds keeps the Dodo message', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 100);
    const refused = await postEntry(t, customer.customer_id, { amount: 101, currency: 'USD', entry_type: 'debit' });
    expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', message: 'Insufficient funds in wallet', balance: 100, currency: 'USD' });
  });

  it('capture writes one debit entry of the captured amount; a partial capture releases the rest', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 5000);
    const hold = await mustHold(t, customer.customer_id, 3000);
    const captured = await t.request('POST', `/holds/${hold.id}/capture`, { body: { amount: 1200 } });
    expect(captured.statusCode, captured.body).toBe(200);
    expect(captured.json()).toMatchObject({ status: 'captured', captured_amount: 1200, amount: 3000 });
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 3800, held_amount: 0, available_balance: 3800 });
    const entries = await entriesOf(t, customer.customer_id);
    expect(entries.map((e) => [e.is_credit, e.amount, e.event_type, e.reference_object_id])).toEqual([
      [true, 5000, 'merchant_adjustment', null],
      [false, 1200, 'payment', hold.id],
    ]);
    expect(captured.json().capture_entry_id).toBe(entries[1].id);

    // Capturing again with the same amount answers the same hold; another amount, or a release, is refused.
    const again = await t.request('POST', `/holds/${hold.id}/capture`, { body: { amount: 1200 } });
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect((await t.request('POST', `/holds/${hold.id}/capture`, { body: { amount: 100 } })).json().code).toBe('HOLD_NOT_ACTIVE');
    const release = await t.request('POST', `/holds/${hold.id}/release`, { body: {} });
    expect(release.statusCode).toBe(409);
    expect(release.json().code).toBe('HOLD_NOT_ACTIVE');
    expect((await entriesOf(t, customer.customer_id)).length).toBe(2);
    await expectClean();
  });

  it('capture beyond the hold is refused; release frees the money and writes no entry', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000);
    const hold = await mustHold(t, customer.customer_id, 700);
    const over = await t.request('POST', `/holds/${hold.id}/capture`, { body: { amount: 701 } });
    expect(over.statusCode).toBe(400);
    expect(over.json().code).toBe('HOLD_CAPTURE_EXCEEDS_HOLD');
    const released = await t.request('POST', `/holds/${hold.id}/release`, { body: {} });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().status).toBe('released');
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 1000, held_amount: 0, available_balance: 1000 });
    expect((await entriesOf(t, customer.customer_id)).length).toBe(1);
    expect((await t.request('GET', `/holds/${hold.id}`)).json().status).toBe('released');
    await expectClean();
  });

  it('the same key and request returns the same hold; another request with the key is a conflict', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000);
    const body = { currency: 'USD', amount: 400, idempotency_key: `same-${customer.customer_id}` };
    const first = await t.request('POST', `/customers/${customer.customer_id}/wallets/holds`, { body });
    const second = await t.request('POST', `/customers/${customer.customer_id}/wallets/holds`, { body });
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-idempotent-replay']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    const conflict = await t.request('POST', `/customers/${customer.customer_id}/wallets/holds`, { body: { ...body, amount: 401 } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    expect((await walletOf(t, customer.customer_id)).held_amount).toBe(400);
    // A client key never collides with an entry key of the same text: the hold's key is the hold's own.
    const list = await t.request('GET', `/customers/${customer.customer_id}/wallets/holds?page_size=10`);
    expect(list.json().items.map((h: { id: string }) => h.id)).toEqual([first.json().id]);
  });

  it('unknown holds and customers, and another business, see nothing', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000);
    const hold = await mustHold(t, customer.customer_id, 100);
    const other = await t.addBusiness('Other holds');
    expect((await t.request('GET', `/holds/${hold.id}`, { key: other.apiKey })).statusCode).toBe(404);
    expect((await t.request('POST', `/holds/${hold.id}/capture`, { body: {}, key: other.apiKey })).json().code).toBe('HOLD_NOT_FOUND');
    expect((await t.request('POST', `/holds/${hold.id}/release`, { body: {}, key: other.apiKey })).json().code).toBe('HOLD_NOT_FOUND');
    expect((await placeHold(t, 'cus_missing', 10)).json().code).toBe('CUSTOMER_NOT_FOUND');
    expect((await t.request('GET', '/customers/cus_missing/wallets/holds')).json().code).toBe('CUSTOMER_NOT_FOUND');
    expect((await t.request('POST', `/customers/${customer.customer_id}/wallets/holds`, { body: { currency: 'USD', amount: 1, idempotency_key: 'x' }, key: t.readOnlyKey })).statusCode).toBe(403);
  });

  it('an uncaptured hold expires by its job and its money is available again', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 900);
    const expiresAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    const hold = await mustHold(t, customer.customer_id, 600, { expires_at: expiresAt });
    expect(hold.expires_at).toBe(expiresAt);
    await t.coffer.jobs.tick();
    expect((await t.request('GET', `/holds/${hold.id}`)).json().status).toBe('active');
    clock.advance(3_600_000);
    for (let i = 0; i < 5; i++) await t.coffer.jobs.tick();
    expect((await t.request('GET', `/holds/${hold.id}`)).json().status).toBe('expired');
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 900, held_amount: 0, available_balance: 900 });
    const past = await placeHold(t, customer.customer_id, 1, { expires_at: '2020-01-01T00:00:00Z' });
    expect(past.json().code).toBe('INVALID_EXPIRES_AT');
    await expectClean();
  });

  it('with lots: a hold reserves lots in consumption order, expiry takes only the unheld rest, money released after its lot expired expires at once', async () => {
    const customer = await createCustomer(t);
    const soon = new Date(clock.now().getTime() + 86_400_000).toISOString();
    await credit(t, customer.customer_id, 1000, 'USD', { expires_at: soon });
    await credit(t, customer.customer_id, 500);
    const hold = await mustHold(t, customer.customer_id, 1200);
    // The expiring lot is spent first, so the hold reserves all of it and 200 of the paid lot that never expires.
    expect(hold.lots.map((part: { amount: number }) => part.amount)).toEqual([1000, 200]);
    const lots = (await t.request('GET', `/customers/${customer.customer_id}/wallets/lots?currency=USD&page_size=10`)).json().items;
    expect(lots.map((lot: { remaining_amount: number; status: string }) => [lot.status, lot.remaining_amount])).toEqual([
      ['active', 300],
      ['spent', 0],
    ]);

    clock.advance(86_400_000);
    for (let i = 0; i < 5; i++) await t.coffer.jobs.tick();
    // Nothing of the expiring lot was unheld: nothing expired; the hold still holds it.
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 1500, held_amount: 1200, available_balance: 300 });

    const released = await t.request('POST', `/holds/${hold.id}/release`, { body: {} });
    expect(released.statusCode, released.body).toBe(200);
    // The 1000 released from the expired lot expires at once; the 200 goes back to the paid lot.
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 500, held_amount: 0, available_balance: 500 });
    const entries = await entriesOf(t, customer.customer_id);
    expect(entries.at(-1)).toMatchObject({ is_credit: false, amount: 1000, event_type: 'expiration' });
    await expectClean();
  });

  it('with lots: a partly held lot expires its unheld rest; the capture spends the held part even after the expiry', async () => {
    const customer = await createCustomer(t);
    const soon = new Date(clock.now().getTime() + 86_400_000).toISOString();
    await credit(t, customer.customer_id, 1000, 'USD', { expires_at: soon });
    const hold = await mustHold(t, customer.customer_id, 400);
    clock.advance(86_400_000);
    for (let i = 0; i < 5; i++) await t.coffer.jobs.tick();
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 400, held_amount: 400, available_balance: 0 });
    const captured = await t.request('POST', `/holds/${hold.id}/capture`, { body: {} });
    expect(captured.statusCode, captured.body).toBe(200);
    expect(captured.json().captured_amount).toBe(400);
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 0, held_amount: 0, available_balance: 0 });
    const entries = await entriesOf(t, customer.customer_id);
    expect(entries.map((e) => [e.event_type, e.amount])).toEqual([
      ['merchant_adjustment', 1000],
      ['expiration', 600],
      ['payment', 400],
    ]);
    await expectClean();
  });

  it('lists a customer\'s holds newest first, page by page, filtered by status', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000);
    const ids: string[] = [];
    // Ids are time-ordered: a millisecond between the holds orders them (the test clock stands still otherwise).
    for (let i = 0; i < 5; i++) {
      clock.advance(1);
      ids.push((await mustHold(t, customer.customer_id, 10 + i)).id);
    }
    await t.request('POST', `/holds/${ids[1]}/release`, { body: {} });
    const page0 = (await t.request('GET', `/customers/${customer.customer_id}/wallets/holds?page_size=2`)).json().items;
    const page1 = (await t.request('GET', `/customers/${customer.customer_id}/wallets/holds?page_size=2&page_number=1`)).json().items;
    expect([...page0, ...page1].map((h: { id: string }) => h.id)).toEqual([ids[4], ids[3], ids[2], ids[1]]);
    const released = (await t.request('GET', `/customers/${customer.customer_id}/wallets/holds?status=released`)).json().items;
    expect(released.map((h: { id: string }) => h.id)).toEqual([ids[1]]);
  });

  it('hold events go through the outbox', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000);
    const hold = await mustHold(t, customer.customer_id, 100);
    await t.request('POST', `/holds/${hold.id}/capture`, { body: {} });
    const rows = await t.coffer.store.db.selectFrom('events').select(['type', 'data']).where('customer_id', '=', customer.customer_id).orderBy('seq').execute();
    const types = rows.map((r) => r.type);
    expect(types).toContain('hold.created');
    expect(types).toContain('hold.captured');
    const capturedEvent = JSON.parse(rows.find((r) => r.type === 'hold.captured')!.data);
    expect(capturedEvent).toMatchObject({ payload_type: 'Hold', id: hold.id, status: 'captured', captured_amount: 100 });
  });
});
