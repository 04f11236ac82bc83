// Every operation in /openapi.json carries an official-SDK example (x-codeSamples), and each example runs as printed
// against Coffer (through a recording proxy: it must call that very operation); GET / points to the docs.
import DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathParameterSample, sampleBaseUrl } from '../src/http/code-samples.ts';
import { type LoopbackProxy, startProxy } from './support/sdk.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<void>;

describe.each(storeKinds)('SDK examples in the OpenAPI document [%s]', (kind) => {
  let t: TestApp;
  let proxy: LoopbackProxy;
  // biome-ignore lint: the document is free-form JSON
  let doc: any;
  let customerId: string;
  let eventId: string;
  let entryId: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    proxy = await startProxy(await t.listen());
    doc = (await t.request('GET', '/openapi.json', { key: null })).json();
    customerId = (await t.request('POST', '/customers', { body: { email: 'sample@example.com', name: 'Sample' } })).json().customer_id;
    await t.coffer.dispatcher.drain();
    eventId = (await t.request('GET', '/events?limit=1')).json().data[0].id;
    // A debit, for the lot-draws example.
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 100, currency: 'USD', entry_type: 'credit' } });
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 40, currency: 'USD', entry_type: 'debit' } });
    entryId = (await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=1`)).json().items[0].id;
    // Money for the hold and invoice examples, and a paid invoice for the payment examples.
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 1_000_000, currency: 'USD', entry_type: 'credit' } });
    paymentId = (await t.request('POST', `/invoices/${await newInvoice()}/pay`, { body: {} })).json().payment_id;
    // A top-up, for the dispute examples (only a top-up's card payment can be disputed), and a refund.
    const topUpCustomerId = (await t.request('POST', '/customers', { body: { email: 'topup@example.com', name: 'Top-up' } })).json().customer_id;
    await t.request('POST', `/customers/${topUpCustomerId}/payment-methods`, { body: { payment_method_id: 'pm_card_succeeds' } });
    topUpPaymentId = (await t.request('POST', `/customers/${topUpCustomerId}/wallets/top-ups`, { body: { currency: 'USD', amount: 5000, idempotency_key: 'sample-top-up' } })).json().payment.payment_id;
    refundId = (await t.request('POST', '/refunds', { body: { payment_id: paymentId, amount: 1 } })).json().refund_id;
    // A refund whose card part the simulated processor accepted, for the late-failure example.
    cardRefundId = (await t.request('POST', '/refunds', { body: { payment_id: topUpPaymentId, amount: 100 } })).json().refund_id;
    for (let i = 0; i < 3; i++) await t.coffer.jobs.tick();
  });
  let cardRefundId: string;
  let paymentId: string;
  let topUpPaymentId: string;
  let refundId: string;
  const newDispute = async () => (await t.request('POST', `/payments/${topUpPaymentId}/disputes`, { body: { amount: 10 } })).json().dispute_id as string;
  const newInvoice = async () =>
    (await t.request('POST', '/invoices', { body: { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Sample', amount: 100 }] } })).json().invoice_id as string;
  const newHold = async () =>
    (await t.request('POST', `/customers/${customerId}/wallets/holds`, { body: { currency: 'USD', amount: 3000, idempotency_key: `sample-${proxy.requests.length}-${Math.random()}` } })).json().id as string;
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  const operations = () =>
    Object.entries<Record<string, { 'x-codeSamples'?: CodeSample[] }>>(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
    );

  it('has a TypeScript dodopayments example on every operation', () => {
    expect(operations().length).toBeGreaterThanOrEqual(7);
    for (const { method, path, operation } of operations()) {
      const samples = operation['x-codeSamples'];
      expect(samples, `${method} ${path}`).toHaveLength(1);
      expect(samples![0].lang).toBe('TypeScript');
      expect(samples![0].source).toContain("import DodoPayments from 'dodopayments';");
      expect(samples![0].source).toContain(`new DodoPayments({ bearerToken: process.env.COFFER_API_KEY, baseURL: '${sampleBaseUrl}' })`);
    }
  });

  it('examples of paged lists pass page_number: 0 so that auto-pagination reads every page', () => {
    const paged = (operation: object) => ((operation as { parameters?: Array<{ name: string }> }).parameters ?? []).some((p) => p.name === 'page_number');
    // Coffer's own lists (the lots) have no SDK method to iterate: their examples call the path once.
    const lists = operations().filter(({ operation }) => paged(operation) && !(operation as { 'x-coffer-extension'?: boolean })['x-coffer-extension']);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    for (const { operation } of lists) expect(operation['x-codeSamples']![0].source).toMatch(/for await .*page_number: 0/s);
  });

  it('each example runs as printed and calls its own operation', async () => {
    for (const { method, path, operation } of operations()) {
      // The processor's callback is signed by a processor, not called with a key: test/billing/processor-callback-doc.test.ts
      // runs its example against a Coffer with an HTTP processor and a real charge.
      if (path === '/processor/events') continue;
      const source = operation['x-codeSamples']![0].source;
      // As a user would: their key in COFFER_API_KEY, the URL the banner printed, real ids in place of cus_…, evt_… and whk_….
      // A fresh endpoint for each webhook example, since one of them deletes it.
      const webhookId = path.includes('{webhook_id}')
        ? (await t.request('POST', '/webhooks', { body: { url: 'https://example.com/sample' } })).json().id
        : 'unused';
      // A fresh payment method for each example that names one, since one of them detaches it.
      const paymentMethodId = `pm_sample_${proxy.requests.length}`;
      if (path.includes('{payment_method_id}')) {
        await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: paymentMethodId } });
      }
      // A fresh hold and a fresh open invoice for each example that names one (captures, releases, payments, voids).
      const holdId = path.includes('{hold_id}') ? await newHold() : 'unused';
      const invoiceId = path.includes('{invoice_id}') ? await newInvoice() : 'unused';
      const disputeId = path.includes('{dispute_id}') ? await newDispute() : 'unused';
      // A fresh subscription for each example that names one (one of them cancels it at the period's end).
      const subscriptionId = path.includes('{subscription_id}')
        ? ((await t.request('POST', '/subscriptions', { body: { customer_id: customerId, currency: 'USD', amount: 100, interval: 'month' } })).json().subscription_id as string)
        : 'unused';
      const runnable = source
        .replace("import DodoPayments from 'dodopayments';", '')
        .replace(`'${sampleBaseUrl}'`, `'${proxy.baseUrl}'`)
        .replaceAll(`'${pathParameterSample('customer_id')}'`, `'${customerId}'`)
        .replaceAll(`'${pathParameterSample('event_id')}'`, `'${eventId}'`)
        .replaceAll(`'${pathParameterSample('entry_id')}'`, `'${entryId}'`)
        .replaceAll(pathParameterSample('webhook_id'), webhookId)
        .replaceAll(`'${pathParameterSample('payment_method_id')}'`, `'${paymentMethodId}'`)
        .replaceAll(`'${pathParameterSample('hold_id')}'`, `'${holdId}'`)
        .replaceAll(`'${pathParameterSample('invoice_id')}'`, `'${invoiceId}'`)
        .replaceAll(`'${pathParameterSample('payment_id')}'`, `'${path.endsWith('/disputes') ? topUpPaymentId : paymentId}'`)
        .replaceAll(`'${pathParameterSample('refund_id')}'`, `'${path.endsWith('/fail') ? cardRefundId : refundId}'`)
        .replaceAll(`'${pathParameterSample('dispute_id')}'`, `'${disputeId}'`)
        .replaceAll(`'${pathParameterSample('subscription_id')}'`, `'${subscriptionId}'`);
      const printed: unknown[] = [];
      const before = proxy.requests.length;
      await new AsyncFunction('DodoPayments', 'process', 'console', runnable)(
        DodoPayments,
        { env: { COFFER_API_KEY: t.apiKey } },
        { log: (value: unknown) => printed.push(value) },
      );
      const seen = proxy.requests.slice(before);
      const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?|$)`);
      expect(seen.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const request of seen) {
        expect(`${request.method} ${request.path}`, `${method} ${path}`).toMatch(new RegExp(`^${method.toUpperCase()} `));
        expect(request.path, `${method} ${path}`).toMatch(pattern);
        // 204 for the operations the SDK types as returning nothing (deleting an endpoint, updating its headers).
        expect([200, 204], `${method} ${path}: ${request.body}`).toContain(request.upstreamStatus);
      }
      expect(printed.length, `${method} ${path} printed nothing`).toBeGreaterThan(0);
    }
  });
});

describe.each(storeKinds)('GET / [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('answers JSON links to /docs and /openapi.json, without a key', async () => {
    const response = await t.request('GET', '/', { key: null, headers: { accept: '*/*' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json().links).toMatchObject({ docs: '/docs', openapi: '/openapi.json' });
  });

  it('answers a small HTML page with the same links to a browser', async () => {
    const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const response = await t.request('GET', '/', { key: null, headers: { accept } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('href="/docs"');
    expect(response.body).toContain('href="/openapi.json"');
  });
});
