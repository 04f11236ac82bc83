// docs/refunds.md's walkthrough (a top-up, a refund to the wallet, a lost dispute), run block by block through the
// official SDK on both stores; what each block prints is what the text says it prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('docs/refunds.md walkthrough [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'refunds@example.com', name: 'Refunds Customer' })).customer_id;
    await client.post(`/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_card_succeeds' } });
    const blocks = docBlocks('refunds.md', '## Walkthrough');
    expect(blocks).toHaveLength(3);
    await runDocBlocks(blocks, { client, customerId });
    const wallet = (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
    // 5000 topped up, 3000 paid from the wallet, 1000 refunded to it, 2000 taken by the lost dispute.
    expect(wallet).toMatchObject({ balance: 1000, held_amount: 0, available_balance: 1000 });
  });
});
