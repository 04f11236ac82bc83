// Hostile input on both stores: a table of bad requests, each refused with the right {code, message}, writing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileCase, type HostileTarget, leakPattern, sendCase } from './hostile/case.ts';
import { customerCases } from './hostile/customer-cases.ts';
import { ledgerEntryCases } from './hostile/ledger-entry-cases.ts';
import { lotRouteCases, pathCases, queryCases } from './hostile/path-query-cases.ts';
import { paymentMethodCases } from './hostile/payment-method-cases.ts';
import { billingCases } from './hostile/billing-cases.ts';
import { exchange, rawExchanges } from './hostile/raw-socket.ts';
import { transportCases } from './hostile/transport-cases.ts';
import { openStoreReader, tableCounts } from './model/store-reader.ts';
import type { Store } from '../src/db/database.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

const hostileCases: HostileCase[] = [
  ...ledgerEntryCases, ...transportCases, ...pathCases, ...queryCases, ...lotRouteCases, ...customerCases, ...paymentMethodCases, ...billingCases,
];

/** Valid reasons that look dangerous: each must be stored and returned byte for byte. */
const unusualReasons = [
  "'; DROP TABLE ledger_entries; --",
  'Robert"); DELETE FROM wallets WHERE (1=1',
  "1' OR '1'='1' UNION SELECT api_keys.key_hash FROM api_keys --",
  '$$; SELECT pg_sleep(10); $$',
  '\\x00 \\u0000 %00 %s %n {{7*7}} ${process.env}',
  'tab\tnewline\ncarriage return\r',
  'émoji 💸, RTL ‮txet‬, zero-width ​joiner, line separator \u2028, BOM \ufeff',
  '<script>alert(1)</script>',
  'r'.repeat(3000),
];

describe.each(storeKinds)('hostile input [%s]', (kind) => {
  let t: TestApp;
  let reader: Store;
  let target: HostileTarget;
  let otherCustomerId: string;

  /** Everything a hostile request could have changed, read through the API and straight from the database. */
  async function snapshot() {
    const api = async (url: string, key: string) => {
      const response = await t.request('GET', url, { key });
      expect(response.statusCode).toBe(200);
      return response.json();
    };
    const other = { key: target.otherApiKey };
    return {
      counts: await tableCounts(reader),
      wallets: await reader.db.selectFrom('wallets').selectAll().orderBy('customer_id').orderBy('currency').execute(),
      customers: await reader.db.selectFrom('customers').selectAll().orderBy('id').execute(),
      paymentMethods: await reader.db.selectFrom('payment_methods').selectAll().orderBy('customer_id').orderBy('payment_method_id').execute(),
      apiWallets: [await api(`/customers/${target.customerId}/wallets`, target.apiKey), await api(`/customers/${otherCustomerId}/wallets`, other.key)],
      apiEntries: [
        await api(`/customers/${target.customerId}/wallets/ledger-entries?page_size=100`, target.apiKey),
        await api(`/customers/${otherCustomerId}/wallets/ledger-entries?page_size=100`, other.key),
      ],
      apiCustomers: [await api('/customers?page_size=100', target.apiKey), await api('/customers?page_size=100', other.key)],
    };
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    const other = await t.addBusiness('Other business');
    const create = async (key: string) => {
      const customer = await t.request('POST', '/customers', { key, body: { email: 'victim@example.com', name: 'Victim', metadata: { tier: 'gold' } } });
      const customerId = customer.json().customer_id as string;
      const credit = { amount: 5000, currency: 'USD', entry_type: 'credit', idempotency_key: 'hostile-1', reason: 'opening balance' };
      expect((await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { key, body: credit })).statusCode).toBe(200);
      const method = { payment_method_id: 'pm_card_succeeds', card: { last4_digits: '4242' } };
      expect((await t.request('POST', `/customers/${customerId}/payment-methods`, { key, body: method })).statusCode).toBe(200);
      return customerId;
    };
    target = { customerId: await create(t.apiKey), apiKey: t.apiKey, readOnlyKey: t.readOnlyKey, otherApiKey: other.apiKey };
    otherCustomerId = await create(other.apiKey);
    reader = await openStoreReader(t);
  });
  afterAll(async () => {
    await reader?.close();
    await t?.close();
  });

  describe(`${hostileCases.length} bad requests`, () => {
    let before: Awaited<ReturnType<typeof snapshot>>;
    beforeAll(async () => {
      before = await snapshot();
    });

    it.each(hostileCases.map((c) => [`${c.name} → ${c.status} ${c.code}`, c] as const))('%s', async (_title, hostile) => {
      const response = await sendCase(t, target, hostile);
      let body: Record<string, unknown>;
      try {
        body = response.json();
      } catch {
        throw new Error(`${response.statusCode} with a body that is not JSON: ${response.body.slice(0, 200)}`);
      }
      expect({ status: response.statusCode, code: body.code }).toEqual({ status: hostile.status, code: hostile.code });
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(body).sort()).toEqual(['code', 'message']);
      expect(typeof body.message).toBe('string');
      if (typeof hostile.mentions === 'string') expect(body.message).toContain(hostile.mentions);
      else expect(body.message).toMatch(hostile.mentions);
      expect(response.body).not.toMatch(leakPattern);
    });

    it('wrote nothing: counts, balances, customers and entries are unchanged in the database and the API', async () => {
      expect(await snapshot()).toEqual(before);
      expect(before.counts.ledger_entries).toBe(2);
      expect(before.paymentMethods).toHaveLength(2);
      const health = await t.request('GET', '/healthz', { key: null });
      expect(health.statusCode).toBe(200);
    });
  });

  it('stores SQL-looking and other unusual but valid text verbatim and returns it byte for byte', async () => {
    const url = `/customers/${target.customerId}/wallets/ledger-entries`;
    for (const [index, reason] of unusualReasons.entries()) {
      const key = index % 2 === 0 ? `'; DELETE FROM ledger_entries; -- ${index}` : `ключ-${index}-💸`;
      const response = await t.request('POST', url, { body: { amount: 1, currency: 'INR', entry_type: 'credit', idempotency_key: key, reason } });
      expect(response.statusCode).toBe(200);
      const listed = await t.request('GET', `${url}?page_size=1&currency=INR`);
      const [entry] = listed.json().items;
      expect(Buffer.from(entry.reason, 'utf8').equals(Buffer.from(reason, 'utf8'))).toBe(true);
      expect(entry.idempotency_key).toBe(key);
      const stored = await reader.db.selectFrom('ledger_entries').select(['reason', 'idempotency_key']).where('id', '=', entry.id).executeTakeFirstOrThrow();
      expect(stored).toEqual({ reason, idempotency_key: key });
    }
    const counts = await tableCounts(reader);
    expect(counts.ledger_entries).toBe(2 + unusualReasons.length);
    const customers = await t.request('GET', '/customers?page_size=100');
    expect(customers.json().items).toHaveLength(1);
  });

  it('stays up through broken HTTP on a raw socket, and writes nothing', async () => {
    const base = new URL(await t.listen());
    const port = Number(base.port);
    const entriesBefore = (await tableCounts(reader)).ledger_entries;
    for (const raw of rawExchanges) {
      const data = raw.send.replaceAll('{auth}', target.apiKey).replaceAll('{customer}', target.customerId);
      const answer = await exchange(port, data, raw.then);
      const statusLine = answer.split('\r\n')[0];
      if (raw.statusLine) expect(statusLine, raw.name).toMatch(raw.statusLine);
      else expect(statusLine, raw.name).not.toMatch(/^HTTP\/1\.1 2/);
      expect(answer, raw.name).not.toMatch(/\n\s+at |node_modules|SQLITE_/);
      if (/^HTTP\/1\.1 4\d\d /.test(statusLine)) {
        // Even errors raised by the HTTP parser, before any route, carry the {code, message} envelope.
        const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
        expect(body, raw.name).toEqual({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) });
      }
      const health = await fetch(new URL('/healthz', base));
      expect(health.status, `healthz after ${raw.name}`).toBe(200);
    }
    expect((await tableCounts(reader)).ledger_entries).toBe(entriesBefore);
  });
});
