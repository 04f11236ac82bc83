// docs/refunds.md's walkthrough (a top-up, a refund to the wallet, a lost dispute), run block by block through the
// official SDK on both stores; what each block prints is what the text says it prints.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;

function walkthrough(): Array<{ code: string; printed: string[] }> {
  const text = fs.readFileSync(new URL('../../docs/refunds.md', import.meta.url), 'utf8');
  const section = text.split('## Walkthrough')[1].split('\n## ')[0];
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
    code: m[1],
    printed: [...m[1].matchAll(/^\/\/ (\{.*\}|application\/pdf)$/gm)].map((p) => p[1]),
  }));
}

/** `{ status: 'succeeded', wallet_amount: 1500 }` as JSON. */
const jsonOf = (printed: string) => (printed.startsWith('{') ? JSON.parse(printed.replace(/(\w+):/g, '"$1":').replace(/'/g, '"')) : printed);

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
    const blocks = walkthrough();
    expect(blocks).toHaveLength(3);
    const scope: Record<string, unknown> = {};
    for (const block of blocks) {
      const printed: unknown[] = [];
      // Blocks share their variables as the reader does: run each with the ones before it in scope.
      const names = Object.keys(scope);
      const exportNames = [...block.code.matchAll(/^const (\w+) =/gm)].map((m) => m[1]);
      const body = `${block.code}\nreturn { ${exportNames.join(', ')} };`;
      const result = (await new AsyncFunction('client', 'customerId', 'console', ...names, body)(
        client,
        customerId,
        { log: (value: unknown) => printed.push(value) },
        ...names.map((name) => scope[name]),
      )) as Record<string, unknown>;
      Object.assign(scope, result);
      expect(printed).toEqual(block.printed.map(jsonOf));
    }
    const wallet = (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
    // 5000 topped up, 3000 paid from the wallet, 1000 refunded to it, 2000 taken by the lost dispute.
    expect(wallet).toMatchObject({ balance: 1000, held_amount: 0, available_balance: 1000 });
  });
});
