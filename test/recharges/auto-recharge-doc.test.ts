// docs/billing.md's auto-recharge example, run block by block on both stores: the ts blocks through the official SDK,
// the `coffer billing run --until` block as a child process (dist built), which replays the renewals and the
// recharges they trigger; what each block prints is what the text says it prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { billingRunBlock, docBlocks, runDocBlocks } from '../support/doc-blocks.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { rechargeCounts } from './support.ts';

describe.each(storeKinds)('docs/billing.md: auto-recharge [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'refill@example.com', name: 'Refill Customer' })).customer_id;
    const all = docBlocks('billing.md', '\n## Auto-recharge\n', ['ts', 'sh']);
    expect(all.map((b) => b.lang)).toEqual(['ts', 'sh', 'ts']);
    await runDocBlocks(all, { client, customerId }, billingRunBlock(t.env));
    // Four recharges, each one top-up payment and one credit; every renewal paid by the wallet alone.
    const counts = await rechargeCounts(t, customerId);
    expect(counts.attempts.map((a) => a.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(counts.topUps.map((p) => [Number(p.total_amount), p.status])).toEqual(Array(4).fill([4500, 'succeeded']));
    expect(counts.credits.map((e) => Number(e.amount))).toEqual(Array(4).fill(4500));
    const renewals = await t.coffer.store.db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).where('kind', '!=', 'top_up').execute();
    expect(renewals).toHaveLength(12);
    expect(renewals.every((p) => p.status === 'succeeded' && Number(p.wallet_amount) === 1500 && Number(p.method_amount) === 0)).toBe(true);
    expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
  });
});
