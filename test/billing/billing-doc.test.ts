// docs/billing.md's walkthrough (the prepaid billing system), run block by block through the official SDK on both
// stores; what each block prints is what the text says it prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('docs/billing.md walkthrough [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'prepaid@example.com', name: 'Prepaid Customer' })).customer_id;
    const blocks = docBlocks('billing.md', '## Walkthrough');
    expect(blocks).toHaveLength(4);
    await runDocBlocks(blocks, { client, customerId });
    const wallet = (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
    expect(wallet).toMatchObject({ balance: 0, held_amount: 0, available_balance: 0 });
  });
});
