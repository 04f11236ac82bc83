// docs/wallets.md's paging example, run as written through the official SDK: it reads every entry exactly once,
// and the same loop without `page_number: 0` (what the page warns about) really loses the second page.
import fs from 'node:fs';
import type DodoPayments from 'dodopayments';
import { describe, expect, it } from 'vitest';
import { useSdkApp } from './support/sdk.ts';
import { storeKinds } from './support/stores.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;

/** The TypeScript block that follows the "whole ledger" sentence of docs/wallets.md. */
function pagingExample(): string {
  const text = fs.readFileSync(new URL('../docs/wallets.md', import.meta.url), 'utf8');
  const block = /Reading a customer's whole ledger[^\n]*\n\n```ts\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('docs/wallets.md has no paging example');
  return block[1];
}

const run = (source: string, client: DodoPayments, customerId: string) =>
  new AsyncFunction('client', 'customerId', `${source}\nreturn entries;`)(client, customerId) as Promise<Array<{ id: string }>>;

describe.each(storeKinds)('docs/wallets.md paging example [%s]', (kind) => {
  const sdk = useSdkApp(kind);

  it('reads all 25 entries once each; without page_number: 0 the same loop misses 10', async () => {
    const customerId = await sdk.newCustomer('Paging Reader');
    for (let i = 0; i < 25; i++) {
      await sdk.client.customers.wallets.ledgerEntries.create(customerId, {
        amount: i + 1,
        currency: 'USD',
        entry_type: 'credit',
        idempotency_key: `page_${customerId}_${i}`,
      });
    }
    const source = pagingExample();
    expect(source).toContain('page_number: 0');

    const entries = await run(source, sdk.client, customerId);
    expect(entries).toHaveLength(25);
    expect(new Set(entries.map((e) => e.id)).size).toBe(25);

    const withoutPageNumber = await run(source.replace('{ page_number: 0 }', '{}'), sdk.client, customerId);
    expect(withoutPageNumber).toHaveLength(15);
  });
});
