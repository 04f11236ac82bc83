// The writer on both stores: idempotency scopes, the key migration, created_at order under a moving clock,
// two processes with skewed clocks, and backpressure (SERVER_BUSY) with the SDK retrying through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createBusiness } from '../../src/businesses/business-service.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openStore } from '../../src/db/database.ts';
import { migrateTo, migrateToLatest } from '../../src/db/migrations/index.ts';
import type { CreditCommand } from '../../src/ledger/commands.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { allEntries, balanceOf, buildSiblingApp, createCustomer, credit, openSideStore, postEntry } from '../support/fixtures.ts';
import { sdkClient } from '../support/sdk.ts';
import { createTestDatabase, storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

/** A clock the test moves, forwards or backwards. */
function movableClock(start: string) {
  let nowMs = Date.parse(start);
  return { now: () => new Date(nowMs), set: (iso: string) => (nowMs = Date.parse(iso)) };
}

const creditCommand = (t: TestApp, customerId: string, amount: number, idempotency: CreditCommand['idempotency']): CreditCommand => ({
  kind: 'credit',
  businessId: t.businessId,
  customerId,
  currency: 'USD',
  amount,
  eventType: 'merchant_adjustment',
  reason: null,
  referenceObjectId: null,
  idempotency,
});

describe.each(storeKinds)('ledger writer [%s]', (kind) => {
  describe('idempotency scopes', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(async () => t?.close());

    it("a client key and the same text in Coffer's own scope never collide; each repeats within its scope", async () => {
      const id = (await createCustomer(t)).customer_id;
      const client = await postEntry(t, id, { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'invoice:inv_1:wallet' });
      expect(client.statusCode).toBe(200);
      const own = await t.coffer.ledger.submit(creditCommand(t, id, 30, { scope: 'coffer:invoice_payment', key: 'invoice:inv_1:wallet' }));
      expect(own).toMatchObject({ ok: true, value: { outcome: 'applied', wallet: { balance: 130 } } });
      const ownRepeat = await t.coffer.ledger.submit(creditCommand(t, id, 30, { scope: 'coffer:invoice_payment', key: 'invoice:inv_1:wallet' }));
      expect(ownRepeat).toMatchObject({ ok: false, code: 'IDEMPOTENCY_KEY_ALREADY_USED' });
      const clientRepeat = await postEntry(t, id, { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'invoice:inv_1:wallet' });
      expect(clientRepeat.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_ALREADY_USED', entry: { amount: 100, idempotency_key: 'invoice:inv_1:wallet' } });
      expect(await balanceOf(t, id, 'USD')).toBe(130);

      const side = await openSideStore(t);
      try {
        const records = await side.db.selectFrom('idempotency_records').selectAll().where('key', '=', 'invoice:inv_1:wallet').orderBy('scope').execute();
        expect(records.map((r) => [r.scope, r.result_type])).toEqual([
          ['client', 'ledger_entry'],
          ['coffer:invoice_payment', 'ledger_entry'],
        ]);
        const entries = await allEntries(t, id);
        expect(records.map((r) => r.result_id).sort()).toEqual(entries.map((e) => e.id).sort());
      } finally {
        await side.close();
      }
    });

    it('a refused command records no key: the key stays free for a request that succeeds', async () => {
      const id = (await createCustomer(t)).customer_id;
      const refused = await postEntry(t, id, { amount: 5, currency: 'USD', entry_type: 'debit', idempotency_key: 'free_1' });
      expect(refused.json().code).toBe('INSUFFICIENT_WALLET_FUNDS');
      const side = await openSideStore(t);
      try {
        expect(await side.db.selectFrom('idempotency_records').select('key').where('key', '=', 'free_1').execute()).toEqual([]);
      } finally {
        await side.close();
      }
      expect((await postEntry(t, id, { amount: 5, currency: 'USD', entry_type: 'credit', idempotency_key: 'free_1' })).statusCode).toBe(200);
    });
  });

  it('migration 0002 moves every stored key into a client-scope record; repeats and conflicts behave as before', async () => {
    const database = await createTestDatabase(kind);
    const config = loadConfig({ ...database.env, COFFER_RATE_LIMIT_PER_SECOND: '0' });
    const store = await openStore(config);
    try {
      await migrateTo(store.db, store.kind, '0001_core');
      const business = await createBusiness(store.db, systemClock, 'Old business');
      const key = await createApiKey(store.db, systemClock, { businessId: business.id, access: 'read_write' });
      const at = '2026-11-01T00:00:00.000Z';
      const db = store.db as never as import('kysely').Kysely<any>;
      await db.insertInto('customers').values({ id: 'cus_old', business_id: business.id, email: 'o@example.com', name: 'Old', phone_number: null, metadata: '{}', created_at: at, updated_at: at, entry_count: 2 }).execute();
      await db.insertInto('wallets').values([
        { customer_id: 'cus_old', currency: 'USD', business_id: business.id, balance: 60, entry_count: 2, created_at: at, updated_at: at },
        { customer_id: 'cus_old', currency: 'INR', business_id: business.id, balance: 0, entry_count: 0, created_at: at, updated_at: at },
      ]).execute();
      const entry = (seq: number, amount: number, isCredit: number, before: number, key: string | null) => ({
        id: `cwt_old${seq}`, business_id: business.id, customer_id: 'cus_old', currency: 'USD', amount, is_credit: isCredit, event_type: 'merchant_adjustment',
        reason: 'before records', reference_object_id: null, idempotency_key: key, before_balance: before, after_balance: isCredit ? before + amount : before - amount,
        customer_seq: seq, wallet_seq: seq, created_at: at,
      });
      await db.insertInto('ledger_entries').values([entry(1, 100, 1, 0, 'old_credit'), entry(2, 40, 0, 100, 'old_debit')]).execute();

      expect(await migrateToLatest(store.db, store.kind)).toContain('0002_idempotency_records');
      const records = await store.db.selectFrom('idempotency_records').selectAll().orderBy('key').execute();
      expect(records).toEqual([
        { business_id: business.id, scope: 'client', key: 'old_credit', fingerprint: 'v1:credit:cus_old:USD:100:merchant_adjustment:', result_type: 'ledger_entry', result_id: 'cwt_old1', created_at: at },
        { business_id: business.id, scope: 'client', key: 'old_debit', fingerprint: 'v1:debit:cus_old:USD:40:merchant_adjustment:', result_type: 'ledger_entry', result_id: 'cwt_old2', created_at: at },
      ]);

      const { buildCoffer } = await import('../../src/app/coffer.ts');
      const coffer = await buildCoffer({ config, store, logger: false });
      try {
        const post = (body: object) =>
          coffer.app.inject({ method: 'POST', url: '/customers/cus_old/wallets/ledger-entries', headers: { authorization: `Bearer ${key.secret}` }, payload: body });
        const repeat = await post({ amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'old_credit' });
        expect(repeat.statusCode).toBe(409);
        expect(repeat.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_ALREADY_USED', entry: { id: 'cwt_old1', amount: 100 }, wallet: { balance: 60 } });
        const conflict = await post({ amount: 41, currency: 'USD', entry_type: 'debit', idempotency_key: 'old_debit' });
        expect(conflict.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', entry: { id: 'cwt_old2' } });
        const fresh = await post({ amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: 'new_key' });
        expect(fresh.json()).toMatchObject({ balance: 61 });
      } finally {
        await coffer.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('created_at never runs backwards along a wallet, even when the clock does', async () => {
    const clock = movableClock('2026-12-01T12:00:00.000Z');
    const t = await startTestApp(kind, {}, { clock });
    try {
      const id = (await createCustomer(t)).customer_id;
      await credit(t, id, 10);
      clock.set('2026-12-01T11:00:00.000Z'); // stepped back an hour
      await credit(t, id, 10);
      await credit(t, id, 10, 'INR');
      clock.set('2026-12-01T12:30:00.000Z');
      await credit(t, id, 10);
      const times = (await allEntries(t, id, 'USD')).reverse().map((e) => e.created_at);
      expect(times).toEqual(['2026-12-01T12:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-01T12:30:00.000Z']);
      // The customer is the unit the writer locks: its other wallet's entry is not dated before the last change either.
      expect((await allEntries(t, id, 'INR'))[0].created_at).toBe('2026-12-01T12:00:00.000Z');
      const byCustomerSeq = (await allEntries(t, id)).reverse().map((e) => e.created_at);
      expect(byCustomerSeq).toEqual([...byCustomerSeq].sort());
    } finally {
      await t.close();
    }
  });

  it('two Coffer processes with clocks an hour apart write one wallet in created_at order', async () => {
    const ahead = movableClock('2026-12-01T13:00:00.000Z');
    const t = await startTestApp(kind, {}, { clock: ahead });
    const behind = await buildSiblingApp(t, {});
    try {
      const id = (await createCustomer(t)).customer_id;
      const postOn = (app: typeof behind, amount: number) =>
        app.app.inject({ method: 'POST', url: `/customers/${id}/wallets/ledger-entries`, headers: { authorization: `Bearer ${t.apiKey}` }, payload: { amount, currency: 'USD', entry_type: 'credit' } });
      const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => postOn(i % 2 === 0 ? t.coffer : behind, 1)));
      expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
      const entries = (await allEntries(t, id, 'USD')).reverse();
      expect(entries.map((e) => e.after_balance)).toEqual(entries.map((_, i) => i + 1));
      for (let i = 1; i < entries.length; i++) expect(entries[i].created_at >= entries[i - 1].created_at).toBe(true);
    } finally {
      await behind.close();
      await t.close();
    }
  });

  describe('backpressure', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Each idle batch waits 20 ms for company, so a burst fills the 2-command queue for sure.
      t = await startTestApp(kind, { COFFER_WRITE_QUEUE_MAX: '2', COFFER_BATCH_SIZE_MAX: '1', COFFER_BATCH_WAIT_MS: '20' });
    });
    afterAll(async () => t?.close());

    it('beyond the queue bound a write gets 503 SERVER_BUSY with Retry-After and writes nothing', async () => {
      const id = (await createCustomer(t)).customer_id;
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => postEntry(t, id, { amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: `bp_${i}` })),
      );
      const busy = responses.filter((r) => r.statusCode === 503);
      const applied = responses.filter((r) => r.statusCode === 200);
      expect(busy.length).toBeGreaterThan(0);
      expect(applied.length + busy.length).toBe(60);
      for (const response of busy) {
        expect(response.json()).toMatchObject({ code: 'SERVER_BUSY' });
        expect(response.headers['retry-after']).toBe('1');
        expect(Number(response.headers['retry-after-ms'])).toBeGreaterThanOrEqual(100);
        expect(Number(response.headers['retry-after-ms'])).toBeLessThanOrEqual(1000);
      }
      expect(await balanceOf(t, id, 'USD')).toBe(applied.length);
      const written = new Set((await allEntries(t, id)).map((e) => e.idempotency_key));
      responses.forEach((r, i) => expect(written.has(`bp_${i}`)).toBe(r.statusCode === 200));

      const metrics = (await t.request('GET', '/metrics', { key: null })).body;
      expect(metrics).toContain(`coffer_ledger_refused_total ${t.coffer.writer.stats.refused}`);
      expect(t.coffer.writer.stats.refused).toBe(busy.length);
      expect(metrics).toMatch(/coffer_ledger_queue_depth \d+/);
    });

    it('the official SDK retries SERVER_BUSY by itself, and each keyed credit applies exactly once', async () => {
      const id = (await createCustomer(t)).customer_id;
      const client = sdkClient(await t.listen(), t.apiKey, { maxRetries: 20 });
      const refusedBefore = t.coffer.writer.stats.refused;
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          client.customers.wallets.ledgerEntries.create(id, { amount: 2, currency: 'USD', entry_type: 'credit', idempotency_key: `sdk_bp_${i}` }),
        ),
      );
      expect(t.coffer.writer.stats.refused).toBeGreaterThan(refusedBefore);
      expect(await balanceOf(t, id, 'USD')).toBe(80);
      expect(await allEntries(t, id)).toHaveLength(40);
    });
  });
});
