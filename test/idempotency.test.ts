// Idempotency keys on both stores: 409 on repeats (or a replayed 200 when configured), scope, and concurrent repeats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEntries, balanceOf, createCustomer, credit, debit, mustPost, openSideStore, postEntry } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

/** Entries carrying one key in one business, read from the database itself. */
async function entriesWithKey(t: TestApp, businessId: string, key: string): Promise<number> {
  const side = await openSideStore(t);
  try {
    const rows = await side.db
      .selectFrom('ledger_entries')
      .select('id')
      .where('business_id', '=', businessId)
      .where('idempotency_key', '=', key)
      .execute();
    return rows.length;
  } finally {
    await side.close();
  }
}

describe.each(storeKinds)('idempotency keys [%s]', (kind) => {
  describe('default: a repeat is 409', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(async () => t?.close());

    it('answers a repeat with 409 IDEMPOTENCY_KEY_ALREADY_USED, x-should-retry: false, the original entry and the current wallet', async () => {
      const id = (await createCustomer(t)).customer_id;
      const body = { amount: 700, currency: 'USD', entry_type: 'credit', idempotency_key: 'topup_1', reason: 'Top-up' };
      await mustPost(t, id, body);
      const [original] = await allEntries(t, id);
      await credit(t, id, 50); // the wallet moves on after the original entry

      const repeat = await postEntry(t, id, body);
      expect(repeat.statusCode).toBe(409);
      expect(repeat.headers['x-should-retry']).toBe('false');
      expect(repeat.headers['content-type']).toMatch(/^application\/json/);
      const listed = (await t.request('GET', `/customers/${id}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
      // The error carries the wallet in Dodo's shape (the list adds the expiry extensions).
      const { expiring_amount: _expiring, next_expiry_at: _next, held_amount: _held, available_balance: _available, ...wallet } = listed;
      expect(repeat.json()).toEqual({
        code: 'IDEMPOTENCY_KEY_ALREADY_USED',
        message: expect.stringContaining('topup_1'),
        entry: original,
        wallet,
      });
      expect(repeat.json().wallet.balance).toBe(750);
      expect(await balanceOf(t, id, 'USD')).toBe(750);
      expect(await allEntries(t, id)).toHaveLength(2);
      expect(await entriesWithKey(t, t.businessId, 'topup_1')).toBe(1);
    });

    it('treats a repeat with only a different reason as the same request', async () => {
      const id = (await createCustomer(t)).customer_id;
      await mustPost(t, id, { amount: 5, currency: 'USD', entry_type: 'credit', idempotency_key: 'reason_1', reason: 'first' });
      const repeat = await postEntry(t, id, { amount: 5, currency: 'USD', entry_type: 'credit', idempotency_key: 'reason_1', reason: 'second' });
      expect(repeat.statusCode).toBe(409);
      expect(repeat.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_ALREADY_USED', entry: { reason: 'first' } });
    });

    it.each([
      ['customer', {}],
      ['amount', { amount: 101 }],
      ['currency', { currency: 'INR' }],
      ['entry type', { entry_type: 'debit' }],
    ])('answers the same key with a different %s with 409 IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', async (what, change) => {
      const id = (await createCustomer(t)).customer_id;
      const other = (await createCustomer(t)).customer_id;
      await credit(t, id, 1000, 'INR');
      const key = `reuse_${what.replace(' ', '_')}`;
      const body = { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: key };
      await mustPost(t, id, body);

      const target = what === 'customer' ? other : id;
      const reused = await postEntry(t, target, { ...body, ...change });
      expect(reused.statusCode).toBe(409);
      expect(reused.headers['x-should-retry']).toBe('false');
      expect(reused.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
        message: expect.stringContaining(key),
        entry: { idempotency_key: key, amount: 100, currency: 'USD', is_credit: true, customer_id: id },
      });
      expect(await balanceOf(t, id, 'USD')).toBe(100);
      expect(await balanceOf(t, id, 'INR')).toBe(1000);
      expect(await allEntries(t, other)).toEqual([]);
      expect(await entriesWithKey(t, t.businessId, key)).toBe(1);
    });

    it('scopes keys per business: two businesses may use the same key', async () => {
      const other = await t.addBusiness('Other business');
      const mine = (await createCustomer(t)).customer_id;
      const theirs = (await createCustomer(t, {}, other.apiKey)).customer_id;
      const body = { amount: 300, currency: 'USD', entry_type: 'credit', idempotency_key: 'shared_key' };
      expect((await mustPost(t, mine, body)).balance).toBe(300);
      expect((await mustPost(t, theirs, body, other.apiKey)).balance).toBe(300);
      expect((await postEntry(t, theirs, body, other.apiKey)).statusCode).toBe(409);
      expect(await entriesWithKey(t, t.businessId, 'shared_key')).toBe(1);
      expect(await entriesWithKey(t, other.businessId, 'shared_key')).toBe(1);
    });

    it('does not use up a key on insufficient funds: top up, then the same charge succeeds', async () => {
      const id = (await createCustomer(t)).customer_id;
      const charge = { amount: 500, currency: 'USD', entry_type: 'debit', idempotency_key: 'charge_1' };
      const refused = await postEntry(t, id, charge);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('INSUFFICIENT_WALLET_FUNDS');
      expect(await entriesWithKey(t, t.businessId, 'charge_1')).toBe(0);

      await credit(t, id, 800);
      expect((await mustPost(t, id, charge)).balance).toBe(300);
      expect((await postEntry(t, id, charge)).statusCode).toBe(409);
      expect(await balanceOf(t, id, 'USD')).toBe(300);
    });

    it('does not use up a key on a validation error or an unsupported currency', async () => {
      const id = (await createCustomer(t)).customer_id;
      const invalid = await postEntry(t, id, { amount: 0, currency: 'USD', entry_type: 'credit', idempotency_key: 'fix_me' });
      expect(invalid.statusCode).toBe(422);
      const unsupported = await postEntry(t, id, { amount: 10, currency: 'EUR', entry_type: 'credit', idempotency_key: 'fix_me' });
      expect(unsupported.statusCode).toBe(422);
      expect((await mustPost(t, id, { amount: 10, currency: 'USD', entry_type: 'credit', idempotency_key: 'fix_me' })).balance).toBe(10);
    });

    it('a refused request with a used key still answers 409, never a second entry', async () => {
      const id = (await createCustomer(t)).customer_id;
      await credit(t, id, 100, 'USD', { idempotency_key: 'once' });
      await debit(t, id, 100);
      // The wallet is empty now; a repeat of the credit must not re-apply it.
      const repeat = await postEntry(t, id, { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'once' });
      expect(repeat.statusCode).toBe(409);
      expect(repeat.json().wallet.balance).toBe(0);
      expect(await balanceOf(t, id, 'USD')).toBe(0);
    });

    it('without a key (absent or null) every request applies', async () => {
      const id = (await createCustomer(t)).customer_id;
      await credit(t, id, 10);
      await credit(t, id, 10);
      await credit(t, id, 10, 'USD', { idempotency_key: null });
      await credit(t, id, 10, 'USD', { idempotency_key: null });
      expect(await balanceOf(t, id, 'USD')).toBe(40);
    });

    it('50 concurrent requests with one key: exactly one entry, one 200, the rest 409', async () => {
      const id = (await createCustomer(t)).customer_id;
      const body = { amount: 250, currency: 'USD', entry_type: 'credit', idempotency_key: 'burst_1' };
      const responses = await Promise.all(Array.from({ length: 50 }, () => postEntry(t, id, body)));
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      for (const response of responses.filter((r) => r.statusCode === 409)) {
        expect(response.json().code).toBe('IDEMPOTENCY_KEY_ALREADY_USED');
        expect(response.headers['x-should-retry']).toBe('false');
      }
      expect(await entriesWithKey(t, t.businessId, 'burst_1')).toBe(1);
      expect(await allEntries(t, id)).toHaveLength(1);
      expect(await balanceOf(t, id, 'USD')).toBe(250);
    });

    it('concurrent requests with one key on different customers: one applies, the others conflict', async () => {
      const ids = await Promise.all(Array.from({ length: 5 }, async () => (await createCustomer(t)).customer_id));
      const responses = await Promise.all(
        ids.map((id) => postEntry(t, id, { amount: 5, currency: 'USD', entry_type: 'credit', idempotency_key: 'race_customers' })),
      );
      expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(responses.filter((r) => r.statusCode === 409).map((r) => r.json().code)).toEqual(
        Array(4).fill('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST'),
      );
      expect(await entriesWithKey(t, t.businessId, 'race_customers')).toBe(1);
    });
  });

  describe('COFFER_IDEMPOTENCY_REPLAY=true: a repeat replays the original 200', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, { COFFER_IDEMPOTENCY_REPLAY: 'true' });
    });
    afterAll(async () => t?.close());

    it('returns the wallet as the original entry left it, and writes nothing', async () => {
      const id = (await createCustomer(t)).customer_id;
      const body = { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'replay_1' };
      const first = await postEntry(t, id, body);
      expect(first.statusCode).toBe(200);
      await credit(t, id, 50);

      const repeat = await postEntry(t, id, body);
      expect(repeat.statusCode).toBe(200);
      expect(repeat.headers['x-idempotent-replay']).toBe('true');
      const [, original] = await allEntries(t, id);
      expect(repeat.json()).toEqual({ ...first.json(), balance: original.after_balance, updated_at: original.created_at });
      expect(repeat.json().balance).toBe(100);
      expect(await balanceOf(t, id, 'USD')).toBe(150);
      expect(await allEntries(t, id)).toHaveLength(2);
    });

    it('still answers a different request under the same key with 409', async () => {
      const id = (await createCustomer(t)).customer_id;
      await mustPost(t, id, { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'replay_2' });
      const reused = await postEntry(t, id, { amount: 999, currency: 'USD', entry_type: 'credit', idempotency_key: 'replay_2' });
      expect(reused.statusCode).toBe(409);
      expect(reused.headers['x-should-retry']).toBe('false');
      expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    });

    it('replays a debit with the balance right after it', async () => {
      const id = (await createCustomer(t)).customer_id;
      await credit(t, id, 1000);
      const body = { amount: 300, currency: 'USD', entry_type: 'debit', idempotency_key: 'replay_debit' };
      expect((await mustPost(t, id, body)).balance).toBe(700);
      await debit(t, id, 700);
      expect((await mustPost(t, id, body)).balance).toBe(700);
      expect(await balanceOf(t, id, 'USD')).toBe(0);
    });

    it('50 concurrent requests with one key: exactly one entry, fifty identical 200s', async () => {
      const id = (await createCustomer(t)).customer_id;
      const body = { amount: 40, currency: 'INR', entry_type: 'credit', idempotency_key: 'replay_burst' };
      const responses = await Promise.all(Array.from({ length: 50 }, () => postEntry(t, id, body)));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
      expect(new Set(responses.map((r) => r.json().balance))).toEqual(new Set([40]));
      expect(responses.filter((r) => r.headers['x-idempotent-replay'] === 'true')).toHaveLength(49);
      expect(await entriesWithKey(t, t.businessId, 'replay_burst')).toBe(1);
      expect(await balanceOf(t, id, 'INR')).toBe(40);
    });
  });
});
