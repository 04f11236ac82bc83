// docs/payments.md "The processor's callback" and docs/refunds.md "A card refund that fails later" stay true on both
// stores: the callback example, run as written against a real listening Coffer with the system clock, signs with the
// standardwebhooks package and prints what the page shows; the late-failure example does the same through the SDK.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type ProcessorWorld, httpTopUp, startProcessorWorld } from './processor-support.ts';
import { attachMethod, createInvoice, pay } from './support.ts';

const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<void>;
const read = (page: string) => fs.readFileSync(new URL(`../../docs/${page}`, import.meta.url), 'utf8');
/** The ts blocks of one section of a page. */
const sectionBlocks = (page: string, heading: string) => [...read(page).split(`\n## ${heading}\n`)[1].split('\n## ')[0].matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

async function run(code: string, names: Record<string, unknown>): Promise<unknown[]> {
  const printed: unknown[] = [];
  const console = { log: (value: unknown) => printed.push(JSON.parse(JSON.stringify(value))) };
  await new AsyncFunction(...Object.keys(names), 'console', code)(...Object.values(names), console);
  return printed;
}

describe.each(storeKinds)("the processor callback's docs [%s]", (kind) => {
  let world: ProcessorWorld;
  beforeAll(async () => {
    world = await startProcessorWorld(kind, systemClock);
  });
  afterAll(async () => world?.close());

  it("payments.md: the callback example signs, sends and prints what the page shows", async () => {
    const [block] = sectionBlocks('payments.md', "The processor's callback");
    expect(block).toMatch(/^import \{ Webhook \} from 'standardwebhooks';/);
    const code = block.replace(/^import .*\n/, '');
    const expected = [...block.matchAll(/^\/\/ → (.*)$/gm)].map((m) => JSON.parse(m[1]));
    const { customerId, chargeId } = await httpTopUp(world, 5000);
    const names = { Webhook, fetch, process: { env: { COFFER_PAYMENT_PROCESSOR_SECRET: world.secret } }, cofferUrl: world.baseUrl, businessId: world.t.businessId, chargeId };
    expect(await run(code, names)).toEqual(expected);
    // Sent again as the text says a retry is: the same answer, and nothing more held.
    expect(await run(code, names)).toEqual(expected);
    const wallet = (await world.t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
    expect(wallet).toMatchObject({ balance: 5000, held_amount: 2000 });
  });

  it('refunds.md: the late failure example prints what the page shows', async () => {
    const [block] = sectionBlocks('refunds.md', 'A card refund that fails later');
    const expected = [...block.matchAll(/^\/\/ (\{.*\})$/gm)].map((m) => JSON.parse(m[1].replace(/(\w+):/g, '"$1":').replace(/'/g, '"')));
    const { t } = world;
    const customerId = (await t.request('POST', '/customers', { body: { email: 'late-doc@example.com', name: 'Late' } })).json().customer_id;
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 300, currency: 'USD', entry_type: 'credit' } });
    await attachMethod(t, customerId, 'pm_card_succeeds');
    const payment = await pay(t, (await createInvoice(t, customerId, [1000])).invoice_id);
    const refundId = (await t.request('POST', '/refunds', { body: { payment_id: payment.payment_id } })).json().refund_id;
    for (let i = 0; i < 3; i++) await t.coffer.jobs.tick();
    expect((await t.request('GET', `/refunds/${refundId}`)).json()).toMatchObject({ card_status: 'succeeded', wallet_amount: 300, card_amount: 700 });
    const client = sdkClient(world.baseUrl, t.apiKey, { maxRetries: 0 });
    expect(await run(block, { client, refundId })).toEqual(expected);
  });
});

describe.each(storeKinds)("the processor callback's OpenAPI example [%s]", (kind) => {
  let world: ProcessorWorld;
  beforeAll(async () => {
    world = await startProcessorWorld(kind, systemClock);
  });
  afterAll(async () => world?.close());

  it('signs with node:crypto, sends through the SDK and opens the dispute', async () => {
    const doc = (await world.t.request('GET', '/openapi.json', { key: null })).json();
    const operation = doc.paths['/processor/events'].post;
    expect(operation.security).toEqual([]);
    const source: string = operation['x-codeSamples'][0].source;
    const { customerId, chargeId } = await httpTopUp(world, 5000);
    const runnable = source
      .replace("import DodoPayments from 'dodopayments';", '')
      .replace("import { createHmac } from 'node:crypto';", '')
      .replace("'http://127.0.0.1:8080'", `'${world.baseUrl}'`)
      .replaceAll("'bus_…'", `'${world.t.businessId}'`)
      .replaceAll("'ch_3Nv0q12eZvKYlo2C'", `'${chargeId}'`);
    const printed: Array<Record<string, any>> = [];
    const DodoPayments = (await import('dodopayments')).default;
    await new AsyncFunction('DodoPayments', 'createHmac', 'process', 'console', runnable)(
      DodoPayments,
      createHmac,
      { env: { COFFER_API_KEY: 'not-needed', COFFER_PAYMENT_PROCESSOR_SECRET: world.secret } },
      { log: (value: unknown) => printed.push(value as Record<string, any>) },
    );
    expect(printed).toEqual([expect.objectContaining({ type: 'dispute.opened', dispute: expect.objectContaining({ dispute_status: 'dispute_opened', held_amount: 2000 }) })]);
    const wallet = (await world.t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
    expect(wallet).toMatchObject({ held_amount: 2000 });
  });
});
