// docs/billing.md's year of a monthly subscription on a prepaid wallet, run block by block on both stores: the ts
// blocks through the official SDK, the `coffer billing run --until` blocks as a child process (dist built); what each
// block prints is what the text says it prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingRunBlock, docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('docs/billing.md: a year of a subscription [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'year@example.com', name: 'Year Customer' })).customer_id;
    const all = docBlocks('billing.md', '### A year of a monthly subscription on a prepaid wallet', ['ts', 'sh']);
    expect(all.map((b) => b.lang)).toEqual(['ts', 'sh', 'ts', 'sh', 'ts']);
    await runDocBlocks(all, { client, customerId }, billingRunBlock(t.env));
    const invoices = await t.coffer.store.db.selectFrom('invoices').select(['subscription_period_start', 'status']).where('customer_id', '=', customerId).orderBy('subscription_period_start').execute();
    expect(invoices).toHaveLength(13);
    expect(invoices.map((i) => i.subscription_period_start!.slice(0, 10)).slice(0, 4)).toEqual(['2030-01-31', '2030-02-28', '2030-03-31', '2030-04-30']);
  });
});
