// What a user expects around the API, on both stores: the OpenAPI 3.1 document built from the validating schemas,
// the reference page at /docs, /healthz, and JSON logs that carry the request id on every request line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerCreateBody, CustomerListQuery, CustomerUpdateBody } from '../src/customers/customer-schemas.ts';
import { LedgerEntryCreateBody, LedgerEntryListQuery } from '../src/ledger/ledger-schemas.ts';
import { PaymentMethodAttachBody } from '../src/payments/payment-method-schemas.ts';
import { AutoRechargeBody } from '../src/recharges/recharge-schemas.ts';
import {
  WebhookCreateBody,
  WebhookHeadersUpdateBody,
  WebhookListQuery,
  WebhookSecretRotateBody,
  WebhookUpdateBody,
} from '../src/webhooks/endpoint-schemas.ts';
import { type LoggedApp, startLoggedApp } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

/**
 * The schema as JSON, without TypeBox's symbol keys: what the OpenAPI document should contain. @fastify/swagger writes a
 * catch-all `patternProperties` (TypeBox's Record) as the equivalent `additionalProperties`, and `const: x` as
 * `enum: [x]`, so the same is done here.
 */
const plain = (schema: object) =>
  JSON.parse(JSON.stringify(schema), (_key, value) => {
    if (value && typeof value === 'object' && 'const' in value) {
      const { const: only, ...rest } = value;
      return { ...rest, enum: [only] };
    }
    if (value && typeof value === 'object' && value.patternProperties?.['^(.*)$'] !== undefined) {
      const { patternProperties, ...rest } = value;
      return { ...rest, additionalProperties: patternProperties['^(.*)$'] };
    }
    return value;
  });

const apiOperations = [
  'post /customers',
  'get /customers',
  'get /customers/{customer_id}',
  'patch /customers/{customer_id}',
  'get /customers/{customer_id}/wallets',
  'post /customers/{customer_id}/wallets/ledger-entries',
  'get /customers/{customer_id}/wallets/ledger-entries',
  'get /customers/{customer_id}/payment-methods',
  'delete /customers/{customer_id}/payment-methods/{payment_method_id}',
  'post /webhooks',
  'get /webhooks',
  'get /webhooks/{webhook_id}',
  'patch /webhooks/{webhook_id}',
  'delete /webhooks/{webhook_id}',
  'get /webhooks/{webhook_id}/secret',
  'get /webhooks/{webhook_id}/headers',
  'patch /webhooks/{webhook_id}/headers',
  'get /payments',
  'get /payments/{payment_id}',
  'get /invoices/payments/{payment_id}',
  'post /refunds',
  'get /refunds',
  'get /refunds/{refund_id}',
  'get /disputes/{dispute_id}',
  'get /subscriptions',
  'get /subscriptions/{subscription_id}',
  'patch /subscriptions/{subscription_id}',
  'post /subscriptions/{subscription_id}/charge',
];
/** Operations that answer 204 with no body (the SDK's methods returning void). */
const noContentOperations = new Set([
  'delete /webhooks/{webhook_id}',
  'patch /webhooks/{webhook_id}/headers',
  'delete /customers/{customer_id}/payment-methods/{payment_method_id}',
]);

/** Coffer's own operations: their summaries end with "(Coffer extension)" and their examples use the generic client. */
const extensionOperations = [
  'post /processor/events',
  'post /refunds/{refund_id}/fail',
  'get /customers/{customer_id}/wallets/{currency}/low-balance-threshold',
  'put /customers/{customer_id}/wallets/{currency}/low-balance-threshold',
  'delete /customers/{customer_id}/wallets/{currency}/low-balance-threshold',
  'get /low-balance-thresholds',
  'put /low-balance-thresholds/{currency}',
  'delete /low-balance-thresholds/{currency}',
  'put /customers/{customer_id}/wallets/{currency}/auto-recharge',
  'get /customers/{customer_id}/wallets/{currency}/auto-recharge',
  'delete /customers/{customer_id}/wallets/{currency}/auto-recharge',
  'get /events',
  'get /events/{event_id}',
  'get /webhooks/{webhook_id}/attempts',
  'post /webhooks/{webhook_id}/redeliver',
  'post /webhooks/{webhook_id}/secret/rotate',
  'get /customers/{customer_id}/wallets/lots',
  'get /customers/{customer_id}/wallets/ledger-entries/{entry_id}/lot-draws',
  'post /customers/{customer_id}/payment-methods',
  'post /customers/{customer_id}/wallets/holds',
  'get /customers/{customer_id}/wallets/holds',
  'get /holds/{hold_id}',
  'post /holds/{hold_id}/capture',
  'post /holds/{hold_id}/release',
  'post /invoices',
  'get /invoices',
  'get /invoices/{invoice_id}',
  'post /invoices/{invoice_id}/pay',
  'post /invoices/{invoice_id}/void',
  'post /customers/{customer_id}/wallets/top-ups',
  'post /payments/{payment_id}/disputes',
  'post /disputes/{dispute_id}/resolve',
  // Its body is Coffer's (an amount and an interval, no product): Dodo's create takes a product.
  'post /subscriptions',
  'get /customers/{customer_id}/wallets/statement',
  'get /customers/{customer_id}/wallets/{currency}/trend',
  'get /customers/{customer_id}/wallets/{currency}/forecast',
  'get /reports/activity',
  'get /reports/top-customers',
  'get /reports/liability',
  'get /reports/breakage',
  'get /business/settings',
  'patch /business/settings',
];

describe.each(storeKinds)('openapi, docs, health [%s]', (kind) => {
  let t: TestApp;
  // biome-ignore lint: the document is free-form JSON
  let doc: any;
  beforeAll(async () => {
    t = await startTestApp(kind);
    const response = await t.request('GET', '/openapi.json', { key: null });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.json();
  });
  afterAll(async () => t?.close());

  it('is OpenAPI 3.1 with bearer authentication', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.components.securitySchemes.API_KEY).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ API_KEY: [] }]);
  });

  it("lists exactly Dodo's operations and Coffer's extensions, each with a summary that says which it is", () => {
    const operations: string[] = [];
    for (const [path, methods] of Object.entries<Record<string, { summary?: string }>>(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method} ${path}`;
        operations.push(name);
        expect(operation.summary, name).toBeTruthy();
        expect(operation.summary!.endsWith('(Coffer extension)'), name).toBe(extensionOperations.includes(name));
        expect((operation as { 'x-coffer-extension'?: boolean })['x-coffer-extension'] === true, `${name} x-coffer-extension`).toBe(extensionOperations.includes(name));
      }
    }
    expect(operations.sort()).toEqual([...apiOperations, ...extensionOperations].sort());
  });

  it('types every event Coffer sends in the OpenAPI webhooks object', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([
      'customer.created',
      'dispute.lost',
      'dispute.opened',
      'dispute.won',
      'dunning.recovered',
      'dunning.started',
      'hold.captured',
      'hold.created',
      'hold.expired',
      'hold.released',
      'invoice.paid',
      'invoice.payment_failed',
      'payment.failed',
      'payment.processing',
      'payment.succeeded',
      'refund.failed',
      'refund.succeeded',
      'subscription.active',
      'subscription.cancelled',
      'subscription.expired',
      'subscription.failed',
      'subscription.on_hold',
      'subscription.paused',
      'subscription.renewed',
      'wallet.auto_recharge.disabled',
      'wallet.auto_recharge.failed',
      'wallet.auto_recharge.succeeded',
      'wallet.credited',
      'wallet.credits_expired',
      'wallet.credits_expiring',
      'wallet.debited',
      'wallet.depletion_forecast',
      'wallet.low_balance',
    ]);
    const expired = doc.webhooks['wallet.credits_expired'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(expired.properties.data.properties)).toEqual(expect.arrayContaining(['lot_id', 'amount', 'entry_id', 'expires_at']));
    const credited = doc.webhooks['wallet.credited'].post.requestBody.content['application/json'].schema;
    expect(credited.properties.type.const).toBe('wallet.credited');
    expect(credited.properties.data.properties.wallet_seq.type).toBe('integer');
    expect(Object.keys(credited.properties.data.properties.entry.properties)).toContain('after_balance');
  });

  it('documents request bodies with the very schemas that validate them (additionalProperties: false)', () => {
    const body = (method: string, path: string) => doc.paths[path][method].requestBody.content['application/json'].schema;
    expect(body('post', '/customers')).toEqual(plain(CustomerCreateBody));
    expect(body('patch', '/customers/{customer_id}')).toEqual(plain(CustomerUpdateBody));
    expect(body('post', '/customers/{customer_id}/wallets/ledger-entries')).toEqual(plain(LedgerEntryCreateBody));
    expect(body('post', '/webhooks')).toEqual(plain(WebhookCreateBody));
    expect(body('patch', '/webhooks/{webhook_id}')).toEqual(plain(WebhookUpdateBody));
    expect(body('post', '/webhooks/{webhook_id}/secret/rotate')).toEqual(plain(WebhookSecretRotateBody));
    expect(body('patch', '/webhooks/{webhook_id}/headers')).toEqual(plain(WebhookHeadersUpdateBody));
    const bodies = [...apiOperations, ...extensionOperations].map((key) => key.split(' ')).filter(([method, path]) => doc.paths[path][method].requestBody);
    // @fastify/swagger moves a body schema's examples to the media type's example.
    const { examples: attachExamples, ...attachBody } = plain(PaymentMethodAttachBody);
    expect(body('post', '/customers/{customer_id}/payment-methods')).toEqual(attachBody);
    expect(doc.paths['/customers/{customer_id}/payment-methods'].post.requestBody.content['application/json'].example).toEqual(attachExamples[0]);
    const { examples: rechargeExamples, ...rechargeBody } = plain(AutoRechargeBody);
    expect(body('put', '/customers/{customer_id}/wallets/{currency}/auto-recharge')).toEqual(rechargeBody);
    expect(doc.paths['/customers/{customer_id}/wallets/{currency}/auto-recharge'].put.requestBody.content['application/json'].example).toEqual(rechargeExamples[0]);
    // 17 before billing part 2, subscriptions and analytics; + 6 of billing part 2 (top-up, refund, dispute, resolve,
    // the processor's callback, a late refund failure); + subscriptions' create, update and charge; + analytics'
    // business settings; + auto-recharge's PUT.
    expect(bodies).toHaveLength(28);
    for (const [method, path] of bodies) {
      // The processor's callback takes one of several event shapes: each one is closed.
      const shapes = body(method, path).anyOf ?? [body(method, path)];
      for (const shape of shapes) expect(shape.additionalProperties, `${method} ${path}`).toBe(false);
    }
    const entry = body('post', '/customers/{customer_id}/wallets/ledger-entries');
    expect(entry.required.sort()).toEqual(['amount', 'currency', 'entry_type']);
    expect(entry.properties.amount).toMatchObject({ type: 'integer', minimum: 1, maximum: 1e15 });
  });

  it('documents query and path parameters from the same schemas', () => {
    const parameters = (method: string, path: string) =>
      Object.fromEntries((doc.paths[path][method].parameters as Array<{ name: string; in: string; schema: object }>).map((p) => [`${p.in}:${p.name}`, p.schema]));
    const customers = parameters('get', '/customers');
    expect(Object.keys(customers).sort()).toEqual(Object.keys(CustomerListQuery.properties).map((name) => `query:${name}`).sort());
    expect(customers['query:page_size']).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 10 });
    const entries = parameters('get', '/customers/{customer_id}/wallets/ledger-entries');
    expect(Object.keys(entries).sort()).toEqual(
      ['path:customer_id', ...Object.keys(LedgerEntryListQuery.properties).map((name) => `query:${name}`)].sort(),
    );
    for (const path of Object.keys(doc.paths).filter((p) => p.includes('{customer_id}'))) {
      for (const method of Object.keys(doc.paths[path])) {
        expect(Object.keys(parameters(method, path)), `${method} ${path}`).toContain('path:customer_id');
      }
    }
    const webhooks = parameters('get', '/webhooks');
    expect(Object.keys(webhooks).sort()).toEqual(Object.keys(WebhookListQuery.properties).map((name) => `query:${name}`).sort());
    expect(webhooks['query:limit']).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    for (const path of Object.keys(doc.paths).filter((p) => p.includes('{webhook_id}'))) {
      for (const method of Object.keys(doc.paths[path])) {
        expect(Object.keys(parameters(method, path)).filter((name) => name.startsWith('path:')), `${method} ${path}`).toEqual(['path:webhook_id']);
        expect(doc.paths[path][method].tags, `${method} ${path}`).toEqual(['Webhooks']);
      }
    }
  });

  it('documents the 200 (or bodiless 204) response and the error envelope of every operation', () => {
    for (const key of apiOperations) {
      const [method, path] = key.split(' ');
      const responses = doc.paths[path][method].responses;
      if (noContentOperations.has(key)) {
        expect(responses['204'], key).toBeDefined();
        expect(responses['204'].content, key).toBeUndefined();
      } else {
        expect(responses['200'], key).toBeDefined();
      }
      const error = responses['4XX'] ?? responses['4xx'];
      expect(error, key).toBeDefined();
      expect(error.content['application/json'].schema.required).toEqual(['code', 'message']);
    }
  });

  it('serves the API reference page at /docs (after its redirect)', async () => {
    let response = await t.request('GET', '/docs', { key: null });
    for (let hops = 0; hops < 3 && response.statusCode >= 300 && response.statusCode < 400; hops++) {
      response = await t.request('GET', new URL(String(response.headers.location), 'http://coffer.test/docs').pathname, { key: null });
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<html/i);
    expect(response.body).toContain('/openapi.json');
  });

  it('answers /healthz with the store kind, without a key', async () => {
    const response = await t.request('GET', '/healthz', { key: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', store: kind });
  });
});

describe.each(storeKinds)('request logs [%s]', (kind) => {
  let logged: LoggedApp;
  beforeAll(async () => {
    logged = await startLoggedApp(kind);
  });
  afterAll(async () => logged?.close());

  const send = (method: 'GET' | 'POST', url: string, options: { payload?: object | string; headers?: Record<string, string> } = {}) =>
    logged.coffer.app.inject({ method, url, payload: options.payload, headers: { authorization: `Bearer ${logged.apiKey}`, ...options.headers } });

  it('writes JSON lines that all carry the request id, which the response echoes in x-request-id', async () => {
    const startLine = logged.lines.length;
    const responses = [
      await send('POST', '/customers', { payload: { email: 'log@example.com', name: 'Logged' } }),
      await send('GET', '/customers'),
      await send('GET', '/customers', { headers: { 'x-request-id': 'trace-42.abc:1' } }),
      await send('GET', '/customers', { headers: { 'x-request-id': 'not a valid id; <script>' } }),
      await send('GET', '/nowhere'),
      await send('GET', '/customers', { headers: { authorization: 'Bearer wrong' } }),
      await send('POST', '/customers', { payload: '{oops', headers: { 'content-type': 'application/json' } }),
    ];
    const ids = responses.map((r) => String(r.headers['x-request-id']));
    expect(ids[2]).toBe('trace-42.abc:1');
    expect(ids[3]).toMatch(/^req_[0-9A-Za-z]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);

    const lines = logged.lines.slice(startLine);
    const seen = new Map<string, number>();
    for (const line of lines) {
      const record = JSON.parse(line);
      expect(record.level, line).toEqual(expect.any(Number));
      expect(record.time, line).toEqual(expect.any(Number));
      expect(record.reqId, line).toEqual(expect.any(String));
      seen.set(record.reqId, (seen.get(record.reqId) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([...ids].sort());

    // One line per request, not Fastify's two ('incoming request' is not logged): method, url, status and time.
    expect(lines.filter((line) => JSON.parse(line).msg === 'incoming request')).toEqual([]);
    const completed = lines.map((line) => JSON.parse(line)).filter((r) => r.msg === 'request completed');
    expect(completed.map((r) => r.reqId)).toEqual(ids);
    expect(completed.map((r) => r.res.statusCode)).toEqual(responses.map((r) => r.statusCode));
    expect(completed.map((r) => `${r.req.method} ${r.req.url}`)).toEqual([
      'POST /customers',
      'GET /customers',
      'GET /customers',
      'GET /customers',
      'GET /nowhere',
      'GET /customers',
      'POST /customers',
    ]);
    for (const record of completed) {
      expect(record.level).toBe(30);
      expect(record.responseTime).toEqual(expect.any(Number));
    }
  });

  it('never writes API keys into the logs', async () => {
    await send('GET', '/customers');
    expect(logged.lines.join('\n')).not.toContain(logged.apiKey);
  });
});
