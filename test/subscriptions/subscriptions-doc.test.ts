// docs/billing.md's year of a monthly subscription on a prepaid wallet, run block by block on both stores: the ts
// blocks through the official SDK, the `coffer billing run --until` blocks as a child process (dist built); what each
// block prints is what the text says it prints.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCoffer } from '../support/ops.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;

function blocks(): Array<{ lang: string; code: string; printed: string[] }> {
  const text = fs.readFileSync(new URL('../../docs/billing.md', import.meta.url), 'utf8');
  const section = text.split('### A year of a monthly subscription on a prepaid wallet')[1].split('\n## ')[0];
  return [...section.matchAll(/```(ts|sh)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    code: m[2],
    printed: [...m[2].matchAll(/^\/\/ (\{.*\})$/gm)].map((p) => p[1]),
  }));
}

/** `{ status: 'active', next_billing_date: '2030-…' }` as JSON: keys follow `{` or `, `, strings are single-quoted. */
const jsonOf = (printed: string) => JSON.parse(printed.replace(/([{,]\s*)(\w+):/g, '$1"$2":').replace(/'/g, '"'));

describe.each(storeKinds)('docs/billing.md: a year of a subscription [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'year@example.com', name: 'Year Customer' })).customer_id;
    const all = blocks();
    expect(all.map((b) => b.lang)).toEqual(['ts', 'sh', 'ts', 'sh', 'ts']);
    const scope: Record<string, unknown> = {};
    for (const block of all) {
      if (block.lang === 'sh') {
        const args = block.code.trim().split(/\s+/);
        expect(args.slice(0, 3)).toEqual(['coffer', 'billing', 'run']);
        const run = await runCoffer(args.slice(1), t.env);
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ failed: 0 });
        continue;
      }
      const printed: unknown[] = [];
      const names = Object.keys(scope);
      const exportNames = [...block.code.matchAll(/^const (\w+) =/gm)].map((m) => m[1]);
      const result = (await new AsyncFunction('client', 'customerId', 'console', ...names, `${block.code}\nreturn { ${exportNames.join(', ')} };`)(
        client,
        customerId,
        { log: (value: unknown) => printed.push(value) },
        ...names.map((name) => scope[name]),
      )) as Record<string, unknown>;
      Object.assign(scope, result);
      expect(printed).toEqual(block.printed.map(jsonOf));
    }
    const invoices = await t.coffer.store.db.selectFrom('invoices').select(['subscription_period_start', 'status']).where('customer_id', '=', customerId).orderBy('subscription_period_start').execute();
    expect(invoices).toHaveLength(13);
    expect(invoices.map((i) => i.subscription_period_start!.slice(0, 10)).slice(0, 4)).toEqual(['2030-01-31', '2030-02-28', '2030-03-31', '2030-04-30']);
  });
});
