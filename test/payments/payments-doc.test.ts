// docs/payments.md stays true, on both stores: its SDK and PaymentService examples run as printed and print what the
// page shows; the HTTP processor's request examples have the fields Coffer sends; every answer in its table maps to the
// result it names; and the page's receiver, run as a real node process, verifies Coffer's signature and is charged.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const doc = fs.readFileSync(new URL('../../docs/payments.md', import.meta.url), 'utf8');
const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<void>;

/** The fenced blocks of one language, in page order. */
const blocks = (language: string) => [...doc.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
/** The `// → <json>` lines of a block: what each console.log prints. */
const expectedPrints = (block: string) => [...block.matchAll(/^\/\/ → (.*)$/gm)].map((m) => JSON.parse(m[1]));

async function runBlock(block: string, names: Record<string, unknown>): Promise<unknown[]> {
  const printed: unknown[] = [];
  const console = { log: (value: unknown) => printed.push(JSON.parse(JSON.stringify(value))) };
  await new AsyncFunction(...Object.keys(names), 'console', block)(...Object.values(names), console);
  return printed;
}

describe.each(storeKinds)('docs/payments.md examples [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('the SDK example and the PaymentService example print what the page shows', async () => {
    const client = new DodoPayments({ bearerToken: t.apiKey, baseURL: await t.listen(), logLevel: 'off', maxRetries: 0 });
    const customerId = (await client.customers.create({ email: 'doc-payments@example.com', name: 'Doc' })).customer_id;
    const [attachBlock, chargeBlock] = blocks('ts');
    expect(await runBlock(attachBlock, { client, customerId })).toEqual(expectedPrints(attachBlock));
    const names = { payments: t.coffer.payments, businessId: t.businessId, customerId };
    expect(await runBlock(chargeBlock, names)).toEqual(expectedPrints(chargeBlock));
  });
});

describe.each(storeKinds)('docs/payments.md HTTP processor contract [%s]', (kind) => {
  const secret = newWebhookSecret();
  let answer = { status: 200, body: '{}' };
  let receiver: Receiver;
  let t: TestApp;
  let customerId: string;
  let keyCounter = 0;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: answer.status, headers: { 'content-type': 'application/json' }, body: answer.body }));
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_URL: receiver.url, COFFER_PAYMENT_PROCESSOR_SECRET: secret, COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true' });
    customerId = (await t.request('POST', '/customers', { body: { email: 'doc-http@example.com', name: 'Doc' } })).json().customer_id;
    await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_1Nv0pZ2eZvKYlo2C', processor: 'http' } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const charge = async () => {
    const outcome = await t.coffer.payments.charge({
      idempotencyKey: `doc:${++keyCounter}`, businessId: t.businessId, customerId, paymentMethodId: null,
      currency: 'USD', amount: 4000, description: 'Invoice inv_1042', metadata: { invoice_id: 'inv_1042' },
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value.result;
  };

  it('sends exactly the fields of the documented charge and refund requests', async () => {
    const [chargeExample, refundExample] = blocks('json').map((block) => JSON.parse(block));
    answer = { status: 200, body: '{"status":"succeeded","charge_id":"ch_3Nv0q12eZvKYlo2C"}' };
    await charge();
    const sentCharge = JSON.parse(receiver.received.at(-1)!.body);
    expect(Object.keys(sentCharge)).toEqual(Object.keys(chargeExample));
    expect({ ...sentCharge, idempotency_key: chargeExample.idempotency_key, business_id: chargeExample.business_id, customer_id: chargeExample.customer_id }).toEqual(chargeExample);
    answer = { status: 200, body: '{"status":"succeeded","refund_id":"re_1"}' };
    await t.coffer.payments.refund({ processor: 'http', idempotencyKey: 'doc:refund', businessId: t.businessId, chargeId: 'ch_3Nv0q12eZvKYlo2C', currency: 'USD', amount: 1500, reason: 'Goodwill' });
    const sentRefund = JSON.parse(receiver.received.at(-1)!.body);
    expect(Object.keys(sentRefund)).toEqual(Object.keys(refundExample));
    expect({ ...sentRefund, idempotency_key: refundExample.idempotency_key, business_id: refundExample.business_id }).toEqual(refundExample);
  });

  it('maps every answer in the table to the result it names', async () => {
    const section = doc.slice(doc.indexOf('| your answer | result |'), doc.indexOf('No answer within'));
    const rows = [...section.matchAll(/^\| `(\d{3}) (.*?)`.*? \| `(\w+)`(?:, reason `(\w+)`)?/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(9);
    for (const [, status, body, result, reason] of rows) {
      answer = { status: Number(status), body };
      const mapped = await charge();
      expect(mapped.status, `${status} ${body}`).toBe(result);
      if (reason) expect(mapped, `${status} ${body}`).toMatchObject({ reason });
    }
  });
});

describe.each(storeKinds)("docs/payments.md's receiver, run as a node process [%s]", (kind) => {
  const secret = newWebhookSecret();
  // Inside node_modules (ignored by git), so that the receiver's `import 'standardwebhooks'` resolves as in a project.
  const dir = path.join(new URL('../../node_modules/.cache/', import.meta.url).pathname, `payments-doc-${kind}-${process.pid}`);
  let child: ChildProcess;
  let port: number;
  let t: TestApp;
  beforeAll(async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const receiverBlock = blocks('ts')[2];
    expect(receiverBlock).toContain('.listen(9090)');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'receiver.mjs'), receiverBlock.replace('.listen(9090)', `.listen(${port}, '127.0.0.1')`));
    child = spawn(process.execPath, [path.join(dir, 'receiver.mjs')], { env: { PATH: process.env.PATH, COFFER_PAYMENT_PROCESSOR_SECRET: secret }, stdio: 'ignore' });
    for (let attempt = 0; attempt < 100; attempt++) {
      const up = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then((r) => r.status, () => 0);
      if (up === 400) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_URL: `http://127.0.0.1:${port}/`, COFFER_PAYMENT_PROCESSOR_SECRET: secret, COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true' });
  });
  afterAll(async () => {
    child?.kill();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the signature and answers succeeded; a request signed with another secret gets its 400', async () => {
    const customerId = (await t.request('POST', '/customers', { body: { email: 'doc-receiver@example.com', name: 'Doc' } })).json().customer_id;
    await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_remote', processor: 'http' } });
    const request = { idempotencyKey: 'invoice:9:charge:1', businessId: t.businessId, customerId, paymentMethodId: null, currency: 'USD', amount: 900, description: 'Invoice 9', metadata: {} };
    expect(await t.coffer.payments.charge(request)).toMatchObject({ ok: true, value: { result: { status: 'succeeded', chargeId: 'remote_invoice:9:charge:1' } } });
    const refund = await t.coffer.payments.refund({ processor: 'http', idempotencyKey: 'r9', businessId: t.businessId, chargeId: 'remote_invoice:9:charge:1', currency: 'USD', amount: 100, reason: null });
    expect(refund).toEqual({ ok: true, value: { status: 'succeeded', refundId: 'remote_r9' } });
    const forged = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_URL: `http://127.0.0.1:${port}/`, COFFER_PAYMENT_PROCESSOR_SECRET: newWebhookSecret(), COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true' });
    try {
      const other = (await forged.request('POST', '/customers', { body: { email: 'forged@example.com', name: 'Forged' } })).json().customer_id;
      await forged.request('POST', `/customers/${other}/payment-methods`, { body: { payment_method_id: 'pm_remote', processor: 'http' } });
      const outcome = await forged.coffer.payments.charge({ ...request, businessId: forged.businessId, customerId: other });
      expect(outcome).toMatchObject({ ok: true, value: { result: { status: 'failed', reason: 'processor_rejected_request' } } });
    } finally {
      await forged.close();
    }
  });
});
