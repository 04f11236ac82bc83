// docs/analytics.md's example, run as written through the official SDK on both stores; what it prints is what the
// page says.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;

function example(): { code: string; printed: unknown[] } {
  const text = fs.readFileSync(new URL('../../docs/analytics.md', import.meta.url), 'utf8');
  const code = /## An example[\s\S]*?```ts\n([\s\S]*?)```/.exec(text)![1];
  const printed = [...code.matchAll(/^\/\/ (\{.*\})$/gm)].map((m) => JSON.parse(m[1].replace(/(\w+):/g, '"$1":').replace(/'/g, '"')));
  return { code, printed };
}

describe.each(storeKinds)('docs/analytics.md example [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('runs as written and prints what the page says', async () => {
    const client = sdkClient(await t.listen(), t.apiKey);
    const customerId = (await client.customers.create({ email: 'reader@example.com', name: 'Reader' })).customer_id;
    const { code, printed } = example();
    expect(printed).toHaveLength(4);
    const seen: unknown[] = [];
    await new AsyncFunction('client', 'customerId', 'console', code)(client, customerId, { log: (value: unknown) => seen.push(value) });
    expect(seen).toEqual(printed);
  });
});
