// docs/analytics.md's example, run as written through the official SDK on both stores; what it prints is what the
// page says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('docs/analytics.md example [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the page says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'reader@example.com', name: 'Reader' })).customer_id;
    const [block] = docBlocks('analytics.md', '## An example');
    expect(block.printed).toHaveLength(4);
    await runDocBlocks([block], { client, customerId });
  });
});
