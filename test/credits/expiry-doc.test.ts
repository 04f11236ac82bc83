// docs/expiry.md's walkthrough (the $10 welcome bonus valid 30 days), run block by block through the official SDK on
// both stores, with Coffer's clock moved to day 23 and day 30 between the blocks as the text says.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;
const day = 86_400_000;

/** The TypeScript blocks of the walkthrough, in order. */
function walkthrough(): string[] {
  const text = fs.readFileSync(new URL('../../docs/expiry.md', import.meta.url), 'utf8');
  const section = text.split('## Walkthrough')[1].split('\n## ')[0];
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe.each(storeKinds)('docs/expiry.md walkthrough [%s]', (kind) => {
  let t: TestApp;
  // The blocks compute expires_at from the real Date.now(): Coffer's clock runs with real time, shifted as the test says.
  let offsetMs = 0;
  const clock = {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms: number) => void (offsetMs += ms),
    set: (date: Date) => void (offsetMs = date.getTime() - Date.now()),
  };
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  it('runs as written: the bonus is spent first, warned about on day 23 and expired on day 30', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'welcome@example.com', name: 'Welcome Bonus' })).customer_id;
    const blocks = walkthrough();
    expect(blocks).toHaveLength(4);
    const printed: unknown[][] = [];
    const run = async (index: number) => {
      printed[index] = [];
      await new AsyncFunction('client', 'customerId', 'console', blocks[index])(client, customerId, { log: (value: unknown) => printed[index].push(value) });
    };
    const events = async (type: string) => {
      await t.coffer.dispatcher.drain();
      const rows = await t.coffer.store.db.selectFrom('events').select('data').where('customer_id', '=', customerId).where('type', '=', type).execute();
      return rows.map((row) => JSON.parse(row.data));
    };

    await run(0);
    await run(1);
    const [lot] = (await t.request('GET', `/customers/${customerId}/wallets/lots?status=active`)).json().items.filter((l: { category: string }) => l.category === 'promotional');
    expect(printed[1]).toEqual([expect.objectContaining({ balance: 3500, expiring_amount: 1000, next_expiry_at: lot.expires_at, currency: 'USD' })]);
    await run(2);
    expect(printed[2]).toEqual([{ items: [{ lot_id: lot.lot_id, amount: 400, category: 'promotional', expires_at: lot.expires_at }] }]);

    clock.advance(23 * day + 3_600_000);
    await t.coffer.jobs.tick();
    expect((await events('wallet.credits_expiring')).map((e) => e.amount)).toEqual([600]);

    clock.set(new Date(new Date(lot.expires_at).getTime() + 1));
    await run(3);
    expect(printed[3][0]).toBe(2500);
    expect(printed[3][1]).toEqual({ items: [expect.objectContaining({ lot_id: lot.lot_id, amount: 1000, remaining_amount: 0, expired_amount: 600, category: 'promotional', status: 'expired' })] });
    await t.coffer.jobs.tick();
    const entries = (await client.customers.wallets.ledgerEntries.list(customerId, { page_size: 10 })).items.reverse();
    expect(entries.map((e) => [e.amount, e.event_type, e.after_balance])).toEqual([
      [2500, 'merchant_adjustment', 2500],
      [1000, 'merchant_adjustment', 3500],
      [400, 'merchant_adjustment', 3100],
      [600, 'expiration', 2500],
    ]);
    expect(entries[3].reference_object_id).toBe(lot.lot_id);
    expect((await events('wallet.credits_expired')).map((e) => [e.lot_id, e.amount])).toEqual([[lot.lot_id, 600]]);
  });
});
