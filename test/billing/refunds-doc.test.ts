// docs/refunds.md's walkthrough (a top-up, a refund to the wallet, a lost dispute), run block by block through the
// official SDK on both stores; what each block prints is what the text says it prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { attachMethod, createInvoice, pay } from './support.ts';

describe.each(storeKinds)('docs/refunds.md walkthrough [%s]', (kind) => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    baseUrl = await t.listen();
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(baseUrl, t.apiKey);
    const customerId = (await client.customers.create({ email: 'refunds@example.com', name: 'Refunds Customer' })).customer_id;
    await client.post(`/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_card_succeeds' } });
    const blocks = docBlocks('refunds.md', '## Walkthrough');
    expect(blocks).toHaveLength(3);
    await runDocBlocks(blocks, { client, customerId });
    const wallet = (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
    // 5000 topped up, 3000 paid from the wallet, 1000 refunded to it, 2000 taken by the lost dispute.
    expect(wallet).toMatchObject({ balance: 1000, held_amount: 0, available_balance: 1000 });
  });

  it('the idempotency example: the retry answers the same refund and the payment is refunded once', async () => {
    const client = sdkClient(baseUrl, t.apiKey);
    const customerId = (await client.customers.create({ email: 'retry@example.com', name: 'Retry Customer' })).customer_id;
    await client.customers.wallets.ledgerEntries.create(customerId, { amount: 1000, currency: 'USD', entry_type: 'credit' });
    await attachMethod(t, customerId, 'pm_card_succeeds');
    const paymentId = (await pay(t, (await createInvoice(t, customerId, [800])).invoice_id)).payment_id;
    const blocks = docBlocks('refunds.md', '**Idempotency.**');
    expect(blocks).toHaveLength(1);
    await runDocBlocks(blocks, { client, paymentId });
    expect((await t.request('GET', `/payments/${paymentId}`)).json().refunded_amount).toBe(300);
  });
});
