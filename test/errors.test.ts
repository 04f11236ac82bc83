// The error envelope on both stores: {code, message} as JSON for every failure, the right status for each code, no
// internals in any body, and docs/errors.md cataloguing every code of src/http/errors.ts.
import fs from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../src/http/errors.ts';
import { createCustomer, credit, leaksInternals } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

const bodyBytesMax = 1024;
const json = { 'content-type': 'application/json' };

/** Asserts the envelope and returns it. */
function expectEnvelope(response: LightMyRequestResponse, status: number, code: string): { code: string; message: string } {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(errorStatus[body.code as keyof typeof errorStatus]).toBe(status);
  expect(leaksInternals(response.body), response.body).toBe(false);
  return body;
}

describe.each(storeKinds)('errors [%s]', (kind) => {
  let t: TestApp;
  let customerId: string;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_BODY_BYTES_MAX: String(bodyBytesMax) });
    customerId = (await createCustomer(t)).customer_id;
    await credit(t, customerId, 100);
  });
  afterAll(async () => t?.close());

  const entriesUrl = () => `/customers/${customerId}/wallets/ledger-entries`;

  it('answers an unknown route with 404 NOT_FOUND, with or without a key', async () => {
    for (const key of [undefined, null]) {
      const body = expectEnvelope(await t.request('GET', '/nowhere', { key }), 404, 'NOT_FOUND');
      expect(body.message).toContain('/nowhere');
      expectEnvelope(await t.request('POST', '/customers/x/y/z', { key, body: {} }), 404, 'NOT_FOUND');
    }
  });

  it(`answers a body larger than COFFER_BODY_BYTES_MAX (${bodyBytesMax}) with 413 PAYLOAD_TOO_LARGE`, async () => {
    const big = { email: 'big@example.com', name: 'x'.repeat(bodyBytesMax) };
    const body = expectEnvelope(await t.request('POST', '/customers', { body: big }), 413, 'PAYLOAD_TOO_LARGE');
    expect(body.message).toContain(String(bodyBytesMax));
    const reason = { amount: 1, currency: 'USD', entry_type: 'credit', reason: 'r'.repeat(2000) };
    expectEnvelope(await t.request('POST', entriesUrl(), { body: reason }), 413, 'PAYLOAD_TOO_LARGE');
    // Just under the limit is fine.
    const fits = { amount: 1, currency: 'USD', entry_type: 'credit', reason: 'r'.repeat(bodyBytesMax - 80) };
    expect(JSON.stringify(fits).length).toBeLessThan(bodyBytesMax);
    expect((await t.request('POST', entriesUrl(), { body: fits })).statusCode).toBe(200);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'])(
    'answers Content-Type %s with 415 UNSUPPORTED_MEDIA_TYPE',
    async (contentType) => {
      const response = await t.request('POST', '/customers', {
        body: '{"email":"a@example.com","name":"A"}',
        headers: { 'content-type': contentType },
      });
      expectEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it.each(['{"email":', '{email: "a@example.com"}', "{'a': 1}", '{"a":1}}', 'nul', '\u0000'])(
    'answers the malformed JSON %j with 400 INVALID_JSON',
    async (payload) => {
      expectEnvelope(await t.request('POST', '/customers', { body: payload, headers: json }), 400, 'INVALID_JSON');
      expectEnvelope(await t.request('POST', entriesUrl(), { body: payload, headers: json }), 400, 'INVALID_JSON');
    },
  );

  it('answers an empty JSON body with 400 INVALID_JSON', async () => {
    expectEnvelope(await t.request('POST', '/customers', { body: '', headers: json }), 400, 'INVALID_JSON');
  });

  it.each([
    ['POST', '/customers', { email: 'a@example.com', name: 'A', nickname: 'x' }, 'nickname'],
    ['PATCH', '/customers/{id}', { name: 'A', favourite_colour: 'red' }, 'favourite_colour'],
    ['POST', '/customers/{id}/wallets/ledger-entries', { amount: 1, currency: 'USD', entry_type: 'credit', memo: 'x' }, 'memo'],
  ])('answers an unknown field on %s %s with 422 naming it', async (method, url, body, field) => {
    const response = await t.request(method, url.replace('{id}', customerId), { body });
    const envelope = expectEnvelope(response, 422, 'INVALID_REQUEST_BODY');
    expect(envelope.message).toContain(`"${field}"`);
  });

  it('answers an unknown query parameter with 422 INVALID_REQUEST_PARAMETERS naming it', async () => {
    for (const url of ['/customers?sort=asc', `${entriesUrl()}?sort=asc`]) {
      const envelope = expectEnvelope(await t.request('GET', url), 422, 'INVALID_REQUEST_PARAMETERS');
      expect(envelope.message).toContain('"sort"');
    }
  });

  it('answers a JSON body that is not an object with a 400 or 422 envelope', async () => {
    for (const payload of ['[]', '"text"', '42', 'null']) {
      const response = await t.request('POST', '/customers', { body: payload, headers: json });
      expect([400, 422]).toContain(response.statusCode);
      expectEnvelope(response, response.statusCode, response.statusCode === 400 ? 'INVALID_JSON' : 'INVALID_REQUEST_BODY');
    }
  });

  it('answers control characters (NUL) in any input with a 4xx, never a 500, on every store', async () => {
    const responses = [
      await t.request('POST', '/customers', { body: { email: 'a\u0000@example.com', name: 'A' } }),
      await t.request('PATCH', `/customers/${customerId}`, { body: { email: 'b\u0000@example.com' } }),
      await t.request('GET', '/customers/cus_%00'),
      await t.request('GET', '/customers/cus_%00/wallets'),
      await t.request('GET', '/customers/cus_%00/wallets/ledger-entries'),
      await t.request('POST', '/customers/cus_%00/wallets/ledger-entries', { body: { amount: 1, currency: 'USD', entry_type: 'credit' } }),
      await t.request('GET', '/customers?email=a%00'),
      await t.request('GET', '/customers?name=a%00'),
      await t.request('POST', entriesUrl(), { body: { amount: 1, currency: 'USD', entry_type: 'credit', reason: 'a\u0000' } }),
      await t.request('POST', entriesUrl(), { body: { amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: 'k\u0000' } }),
    ];
    for (const response of responses) {
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, response.body).toBeLessThan(500);
      expectEnvelope(response, response.statusCode, response.json().code);
    }
  });

  it('keeps metadata with control characters intact', async () => {
    const metadata = { 'key\u0001': 'value\u0000with nul', plain: 'ok' };
    const created = await createCustomer(t, { metadata });
    const fetched = await t.request('GET', `/customers/${created.customer_id}`);
    expect(fetched.json().metadata).toEqual(metadata);
  });

  it('never leaks stack traces or SQL, whatever the input', async () => {
    const hostile = [
      "cus_' or '1'='1",
      'cus_"; drop table customers; --',
      encodeURIComponent('cus_\\'),
      'cus_%F0%9F%92%A5',
      'x'.repeat(64),
      'x'.repeat(65),
    ];
    const responses: LightMyRequestResponse[] = [];
    for (const id of hostile) {
      responses.push(await t.request('GET', `/customers/${id}`));
      responses.push(await t.request('GET', `/customers/${id}/wallets/ledger-entries?currency=USD`));
      responses.push(await t.request('POST', `/customers/${id}/wallets/ledger-entries`, { body: { amount: 1, currency: 'USD', entry_type: 'credit' } }));
    }
    responses.push(await t.request('GET', `/customers?name=${encodeURIComponent("' or 1=1 --")}`));
    responses.push(await t.request('GET', `/customers?email=${encodeURIComponent("a'; select 1; --")}`));
    responses.push(await t.request('GET', '/customers?page_number=99999999999999999999'));
    responses.push(await t.request('GET', `${entriesUrl()}?page_number=10000000&page_size=100`));
    responses.push(await t.request('POST', entriesUrl(), { body: { amount: 1e300, currency: 'USD', entry_type: 'credit' } }));
    responses.push(await t.request('POST', entriesUrl(), { body: '{"amount":1e999,"currency":"USD","entry_type":"credit"}', headers: json }));
    responses.push(await t.request('POST', entriesUrl(), { body: '{"__proto__":{"amount":1},"currency":"USD"}', headers: json }));
    responses.push(await t.request('POST', entriesUrl(), { body: { amount: 101, currency: 'USD', entry_type: 'debit' } }));
    for (const response of responses) {
      expect(response.statusCode, response.body).toBeLessThan(500);
      if (response.statusCode >= 400) expectEnvelope(response, response.statusCode, response.json().code);
      expect(leaksInternals(response.body), response.body).toBe(false);
    }
  });
});

describe('docs/errors.md', () => {
  const text = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const sections = new Map<string, string>();
  for (const part of text.split(/^## /m).slice(1)) {
    const [heading, ...rest] = part.split('\n');
    sections.set(heading.trim(), rest.join('\n'));
  }

  it('has a "## CODE" heading for every code in errorStatus, and none other', () => {
    expect([...sections.keys()].sort()).toEqual(Object.keys(errorStatus).sort());
  });

  it.each(Object.entries(errorStatus))('documents %s: status %i, meaning, an example body and what to do', (code, status) => {
    const section = sections.get(code) ?? '';
    expect(section).toMatch(new RegExp(`\\*\\*Status:\\*\\* ${status}\\b`));
    expect(section).toMatch(/\*\*Meaning:\*\* \S/);
    expect(section).toMatch(/\*\*What to do:\*\* \S/);
    const example = /```json\n([\s\S]*?)\n```/.exec(section);
    expect(example, `${code} example`).not.toBeNull();
    const body = JSON.parse(example![1]);
    expect(body.code).toBe(code);
    expect(typeof body.message).toBe('string');
  });
});
