// docs/billing.md's auto-recharge example, run block by block on both stores: the ts blocks through the official SDK,
// the `coffer billing run --until` block as a child process (dist built), which replays the renewals and the
// recharges they trigger; what each block prints is what the text says it prints.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { runCoffer } from '../support/ops.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { rechargeCounts } from './support.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;

function blocks(): Array<{ lang: string; code: string; printed: string[] }> {
  const text = fs.readFileSync(new URL('../../docs/billing.md', import.meta.url), 'utf8');
  const section = text.split('\n## Auto-recharge\n')[1].split('\n## ')[0];
  return [...section.matchAll(/```(ts|sh)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    code: m[2],
    printed: [...m[2].matchAll(/^\/\/ (\{.*\})$/gm)].map((p) => p[1]),
  }));
}

/** `{ enabled: true, recharged_on: ['2031-…'] }` as JSON: keys follow `{` or `, `, strings are single-quoted. */
const jsonOf = (printed: string) => JSON.parse(printed.replace(/([{,]\s*)(\w+):/g, '$1"$2":').replace(/'/g, '"'));

describe.each(storeKinds)('docs/billing.md: auto-recharge [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the text says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'refill@example.com', name: 'Refill Customer' })).customer_id;
    const all = blocks();
    expect(all.map((b) => b.lang)).toEqual(['ts', 'sh', 'ts']);
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
