// docs/wallets.md's hold example (a ride: hold, then capture what it cost), run as written through the official SDK
// on both stores; what it prints is what the page says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('docs/wallets.md hold example [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the page says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'rider@example.com', name: 'Rider' })).customer_id;
    await client.customers.wallets.ledgerEntries.create(customerId, { amount: 6000, currency: 'USD', entry_type: 'credit' });
    const [block] = docBlocks('wallets.md', 'A ride-hailing example');
    expect(block.printed).toHaveLength(3);
    await runDocBlocks([block], { client, customerId });
  });
});
