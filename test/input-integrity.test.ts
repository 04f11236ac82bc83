// Issue 8's four classes on both stores: what a schema accepts round-trips exactly or is refused with a 422 naming the
// field (numbers, date-times, lone surrogates); errors below the router carry the envelope; a poisoned row fails alone.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/db/database.ts';
import { dateTimeProblem } from '../src/http/date-time.ts';
import { findRoundTripProblem, numberProblem } from '../src/http/json-scan.ts';
import { exchange } from './hostile/raw-socket.ts';
import { openStoreReader, tableCounts } from './model/store-reader.ts';
import { createCustomer, leaksInternals } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

const json = { 'content-type': 'application/json' };

describe('number and date-time rules (pure)', () => {
  it.each([
    ['1', null], ['-0', null], ['1.0', null], ['1E2', null], ['0.1', null], ['5e-324', null], ['1.7976931348623157e308', null],
    ['9007199254740992', null], ['100e-2', null],
    ['1e400', 'out_of_range'], ['-1e400', 'out_of_range'], ['12345678901234567890', 'inexact'], ['9007199254740993', 'inexact'],
    ['1e-400', 'inexact'], ['0.1000000000000000055511151231257827', 'inexact'],
  ])('number %s → %s', (token, expected) => {
    expect(numberProblem(token)).toBe(expected);
  });

  it('finds repeated keys at any depth, after escapes are decoded, and numbers deep inside arrays', () => {
    expect(findRoundTripProblem('{"a":1,"b":{"c":1,"\\u0063":2}}')).toEqual({ path: ['b'], token: 'c', reason: 'duplicate_key' });
    expect(findRoundTripProblem('{"amount":1,"amount":2}')).toEqual({ path: [], token: 'amount', reason: 'duplicate_key' });
    expect(findRoundTripProblem('[{"a":1},{"a":1}]')).toBeNull();
    expect(findRoundTripProblem('{"x":[1,[2,{"y":"1e999","z":1e999}]]}')).toEqual({ path: ['x', '1', '1', 'z'], token: '1e999', reason: 'out_of_range' });
  });

  it.each([
    ['2025-03-01T10:00:00Z', true], ['2025-03-01T10:00:00.123+05:30', true], ['2025-03-01t10:00:00z', true], ['2025-03-01T10:00:00.120000Z', true],
    ['0000-01-01T00:00:00Z', true], ['9999-12-31T23:59:59.999Z', true], ['2024-02-29T00:00:00Z', true],
    ['2016-12-31T23:59:60Z', false], ['2025-03-01T24:00:00Z', false], ['2025-02-29T00:00:00Z', false], ['2025-03-01T10:00:00.0001Z', false],
    ['9999-12-31T23:59:59-01:00', false], ['0000-01-01T00:00:00+00:01', false], ['2025-03-01T10:00:00+24:00', false], ['2025-03-01T10:00:00', false],
    ['+010000-01-01T00:00:00Z', false], ['2025-03-01', false],
  ])('date-time %s storable: %s', (text, storable) => {
    expect(dateTimeProblem(text) === null).toBe(storable);
  });
});

describe.each(storeKinds)('round trips and refusals [%s]', (kind) => {
  let t: TestApp;
  let reader: Store;
  let customerId: string;
  const entriesUrl = () => `/customers/${customerId}/wallets/ledger-entries`;

  beforeAll(async () => {
    t = await startTestApp(kind);
    reader = await openStoreReader(t);
    customerId = (await createCustomer(t)).customer_id;
  });
  afterAll(async () => {
    await reader?.close();
    await t?.close();
  });

  async function expect422(response: Awaited<ReturnType<TestApp['request']>>, code: string, field: string) {
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json()).toEqual({ code, message: expect.stringContaining(field) });
    expect(leaksInternals(response.body)).toBe(false);
  }

  describe('numbers that would not survive a round trip', () => {
    it.each([
      ['1e400', 'body.metadata.n'],
      ['-1e400', 'body.metadata.n'],
      ['12345678901234567890', 'body.metadata.n'],
      ['1e-400', 'body.metadata.n'],
    ])('metadata number %s is refused with 422 naming the field, on create and on update, writing nothing', async (token, field) => {
      const before = await tableCounts(reader);
      const create = `{"email":"n@example.com","name":"N","metadata":{"ok":1,"n":${token}}}`;
      await expect422(await t.request('POST', '/customers', { body: create, headers: json }), 'INVALID_REQUEST_BODY', field);
      const update = `{"metadata":{"n":${token}}}`;
      await expect422(await t.request('PATCH', `/customers/${customerId}`, { body: update, headers: json }), 'INVALID_REQUEST_BODY', field);
      expect(await tableCounts(reader)).toEqual(before);
      expect((await t.request('GET', '/customers?page_size=100')).statusCode).toBe(200);
    });

    it('refuses a key given twice (JSON.parse would silently keep the last), naming it', async () => {
      const body = '{"amount":1,"currency":"USD","entry_type":"credit","amount":1000000}';
      const response = await t.request('POST', entriesUrl(), { body, headers: json });
      await expect422(response, 'INVALID_REQUEST_BODY', '"amount" more than once');
      const nested = '{"email":"d@example.com","name":"D","metadata":{"k":"a","k":"b"}}';
      await expect422(await t.request('POST', '/customers', { body: nested, headers: json }), 'INVALID_REQUEST_BODY', 'body.metadata has the key "k"');
    });

    it('refuses an amount of 1e400 or 30 digits at the parser, naming body.amount', async () => {
      for (const amount of ['1e400', '123456789012345678901234567890', '9007199254740993']) {
        const body = `{"amount":${amount},"currency":"USD","entry_type":"credit"}`;
        await expect422(await t.request('POST', entriesUrl(), { body, headers: json }), 'INVALID_REQUEST_BODY', 'body.amount');
      }
    });

    it('accepts every exact spelling (1.0, 1E2, -0, 0.1, 5e-324, the largest double) and serves the same values', async () => {
      const body = '{"email":"spell@example.com","name":"S","metadata":{"a":1.0,"b":1E2,"c":-0,"d":0.1,"e":5e-324,"f":1.7976931348623157e308,"g":-12.5e-1}}';
      const created = await t.request('POST', '/customers', { body, headers: json });
      expect(created.statusCode, created.body).toBe(200);
      const expected = { a: 1, b: 100, c: 0, d: 0.1, e: 5e-324, f: 1.7976931348623157e308, g: -1.25 };
      expect(created.json().metadata).toEqual(expected);
      const fetched = await t.request('GET', `/customers/${created.json().customer_id}`);
      expect(fetched.json().metadata).toEqual(expected);
      // An amount of 100.0 is the integer 100.
      const entry = await t.request('POST', entriesUrl(), { body: '{"amount":1.00e2,"currency":"USD","entry_type":"credit"}', headers: json });
      expect(entry.statusCode, entry.body).toBe(200);
      expect(entry.json().balance).toBe(100);
    });
  });

  describe('date-times the format used to accept but JavaScript cannot hold', () => {
    it.each(['2016-12-31T23:59:60Z', '2025-03-01T24:00:00Z', '2025-03-01T10:00:00.0001Z', '9999-12-31T23:59:59-01:00', '2025-02-29T00:00:00Z'])(
      'created_at_gte/lte=%s is refused with 422 naming the parameter',
      async (value) => {
        for (const name of ['created_at_gte', 'created_at_lte']) {
          const response = await t.request('GET', `/customers?${name}=${encodeURIComponent(value)}`);
          await expect422(response, 'INVALID_REQUEST_PARAMETERS', `querystring.${name}`);
        }
      },
    );

    it('filters exactly with every accepted spelling of the same instant', async () => {
      const customer = await createCustomer(t, { name: 'Dated' });
      const at = new Date(customer.created_at);
      const spellings = [
        customer.created_at,
        customer.created_at.replace('T', 't').replace('Z', 'z'),
        customer.created_at.replace('Z', '000+00:00'),
        new Date(at.getTime() + 5.5 * 3_600_000).toISOString().replace('Z', '+05:30'),
      ];
      const ids = async (query: string) =>
        ((await t.request('GET', `/customers?page_size=100&${query}`)).json().items as Array<{ customer_id: string }>).map((c) => c.customer_id);
      for (const spelling of spellings) {
        expect(await ids(`created_at_gte=${encodeURIComponent(spelling)}&created_at_lte=${encodeURIComponent(spelling)}`)).toContain(customer.customer_id);
      }
      const later = new Date(at.getTime() + 1).toISOString();
      expect(await ids(`created_at_gte=${encodeURIComponent(later)}`)).not.toContain(customer.customer_id);
    });
  });

  describe('text that is not well-formed UTF-16', () => {
    it.each([
      ['idempotency_key', '{"amount":1,"currency":"USD","entry_type":"credit","idempotency_key":"k\\ud800"}'],
      ['idempotency_key', '{"amount":1,"currency":"USD","entry_type":"credit","idempotency_key":"k\\udc00"}'],
      ['reason', '{"amount":1,"currency":"USD","entry_type":"credit","reason":"refund \\udfff x"}'],
      ['reason', '{"amount":1,"currency":"USD","entry_type":"credit","reason":"\\ude00\\ud83d"}'],
    ])('a lone surrogate in %s is refused with 422 naming it, and nothing is written', async (field, body) => {
      const before = await tableCounts(reader);
      await expect422(await t.request('POST', entriesUrl(), { body, headers: json }), 'INVALID_REQUEST_BODY', `body.${field}`);
      expect(await tableCounts(reader)).toEqual(before);
    });

    it('refuses lone surrogates in customer names, emails, metadata keys and values', async () => {
      const cases: Array<[string, string]> = [
        ['body.name', '{"email":"u@example.com","name":"A\\ud800"}'],
        ['body.email', '{"email":"u\\udc00@example.com","name":"A"}'],
        ['body.metadata.k', '{"email":"u@example.com","name":"A","metadata":{"k":"v\\ud800"}}'],
        ['body.metadata', '{"email":"u@example.com","name":"A","metadata":{"k\\ud800":"v"}}'],
      ];
      for (const [field, body] of cases) {
        await expect422(await t.request('POST', '/customers', { body, headers: json }), 'INVALID_REQUEST_BODY', field);
      }
      await expect422(await t.request('PATCH', `/customers/${customerId}`, { body: '{"name":"\\ud800"}', headers: json }), 'INVALID_REQUEST_BODY', 'body.name');
    });

    it('keeps well-formed pairs (emoji) byte for byte, and refuses bytes that are not UTF-8', async () => {
      const reason = 'pair \ud83d\udcb8 and RTL \u202e ok';
      const posted = await t.request('POST', entriesUrl(), { body: { amount: 1, currency: 'INR', entry_type: 'credit', reason, idempotency_key: 'k\ud83d\udcb8' } });
      expect(posted.statusCode, posted.body).toBe(200);
      const [entry] = (await t.request('GET', `${entriesUrl()}?currency=INR&page_size=1`)).json().items;
      expect(entry.reason).toBe(reason);
      const latin1 = Buffer.concat([Buffer.from('{"amount":1,"currency":"USD","entry_type":"credit","reason":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const refused = await t.coffer.app.inject({ method: 'POST', url: entriesUrl(), payload: latin1, headers: { ...json, authorization: `Bearer ${t.apiKey}` } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({ code: 'INVALID_JSON', message: expect.stringContaining('not UTF-8') });
    });

    it('refuses query and path components whose percent-encoding is not UTF-8 (CESU-encoded surrogates)', async () => {
      await expect422(await t.request('GET', '/customers?name=%ED%A0%80'), 'INVALID_REQUEST_PARAMETERS', 'querystring.name');
      await expect422(await t.request('GET', '/customers?email=a%FF%40b.c'), 'INVALID_REQUEST_PARAMETERS', 'querystring.email');
      await expect422(await t.request('GET', `/customers/%ED%B0%80`), 'INVALID_REQUEST_PARAMETERS', 'percent-encoding');
      expect((await t.request('GET', `/customers?name=${encodeURIComponent('💸')}`)).statusCode).toBe(200);
    });
  });

  describe('errors raised below the router', () => {
    let port: number;
    beforeAll(async () => {
      port = Number(new URL(await t.listen()).port);
    });
    const envelopeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

    it.each([
      ['no Host header', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'MALFORMED_HTTP_REQUEST', 'Host'],
      ['two Host headers', 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'MALFORMED_HTTP_REQUEST', '2 Host headers'],
      ['an unsupported Expect header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 202-accepted\r\n\r\n', 417, 'EXPECTATION_FAILED', '202-accepted'],
      ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 404, 'NOT_FOUND', 'CONNECT'],
    ])('%s gets the envelope', async (_name, data, status, code, mentions) => {
      const answer = await exchange(port, data, 'wait');
      expect(answer.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer).toMatch(/content-type: application\/json/i);
      expect(envelopeOf(answer)).toEqual({ code, message: expect.stringContaining(mentions) });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    });

    it('still serves HTTP/1.0 without Host, an empty Host, and Expect: 100-continue', async () => {
      expect(await exchange(port, 'GET /healthz HTTP/1.0\r\n\r\n', 'wait')).toMatch(/^HTTP\/1\.1 200 /);
      expect(await exchange(port, 'GET /healthz HTTP/1.1\r\nHost:\r\n\r\n', 'wait')).toMatch(/^HTTP\/1\.1 200 /);
      const body = '{"email":"expect@example.com","name":"E"}';
      const answer = await exchange(
        port,
        `POST /customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n${body}`,
        'wait',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    });
  });

  describe('a poisoned row fails alone', () => {
    const poisons = ['{"n":null}', 'not json', '[1,2]', '{"n":{"deep":1}}', 'null'];

    it.each(poisons)('metadata %j: its reads answer STORED_RECORD_UNREADABLE naming it; lists still answer without it', async (poison) => {
      const business = await t.addBusiness(`Poisoned ${poison}`);
      const key = business.apiKey;
      const [first, bad, last] = [await createCustomer(t, {}, key), await createCustomer(t, {}, key), await createCustomer(t, {}, key)];
      await sql`update customers set metadata = ${poison} where id = ${bad.customer_id}`.execute(reader.db);

      const retrieved = await t.request('GET', `/customers/${bad.customer_id}`, { key });
      expect(retrieved.statusCode).toBe(500);
      expect(retrieved.headers['x-should-retry']).toBe('false');
      expect(retrieved.json()).toEqual({ code: 'STORED_RECORD_UNREADABLE', message: expect.stringContaining(bad.customer_id), record_id: bad.customer_id });
      expect(leaksInternals(retrieved.body)).toBe(false);

      const list = await t.request('GET', '/customers?page_size=100', { key });
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((c: { customer_id: string }) => c.customer_id)).toEqual([last.customer_id, first.customer_id]);
      expect(list.headers['x-coffer-skipped-records']).toBe(bad.customer_id);
      expect((await t.request('GET', `/customers/${first.customer_id}`, { key })).statusCode).toBe(200);
      expect((await t.request('GET', `/customers/${bad.customer_id}/wallets`, { key })).statusCode).toBe(200);

      // An update that leaves the broken metadata is refused and writes nothing; one that replaces it repairs the row.
      const stored = () => reader.db.selectFrom('customers').select(['name', 'metadata', 'updated_at']).where('id', '=', bad.customer_id).executeTakeFirstOrThrow();
      const before = await stored();
      const rename = await t.request('PATCH', `/customers/${bad.customer_id}`, { key, body: { name: 'Renamed' } });
      expect(rename.json().code).toBe('STORED_RECORD_UNREADABLE');
      expect(await stored()).toEqual(before);
      const repair = await t.request('PATCH', `/customers/${bad.customer_id}`, { key, body: { metadata: { repaired: true } } });
      expect(repair.statusCode, repair.body).toBe(200);
      expect(repair.json().metadata).toEqual({ repaired: true });
      const relisted = await t.request('GET', '/customers?page_size=100', { key });
      expect(relisted.json().items).toHaveLength(3);
      expect(relisted.headers['x-coffer-skipped-records']).toBeUndefined();
    });
  });
});
