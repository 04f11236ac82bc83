// docs/webhooks.md's delivery sections stay true: the verifying receiver is test/webhooks/verify-example.ts verbatim and
// works against real deliveries on both stores; the schedule table, the metrics and the settings match the code.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookRetryDelaysMs } from '../../src/webhooks/delivery-schedule.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { addEndpoint, attemptsOf, emitEvent, newSecret, startReceiver } from './receiver.ts';
import { verifyWithSdk, verifyWithStandardWebhooks, webhookReceiver } from './verify-example.ts';

const read = (relative: string) => fs.readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');
const section = (text: string, heading: string) => text.split(`\n## ${heading}\n`)[1].split('\n## ')[0];

describe('docs/webhooks.md, delivery and operations', () => {
  const doc = read('docs/webhooks.md');
  const delivery = section(doc, 'Delivery and signing');

  it('shows test/webhooks/verify-example.ts verbatim (below its first line) under "Verifying"', () => {
    const block = /### Verifying[\s\S]*?```ts\n([\s\S]*?)```/.exec(delivery)?.[1];
    expect(block).toBe(read('test/webhooks/verify-example.ts').split('\n').slice(1).join('\n'));
  });

  it('has the schedule of delivery-schedule.ts in its table', () => {
    const rows = [...delivery.matchAll(/^\| (\d) \| [^|]+ \| (\d+) \|$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(rows).toEqual([0, ...webhookRetryDelaysMs].map((delayMs, index) => [index + 1, delayMs]));
  });

  it('names every delivery metric, in docs/webhooks.md and docs/operations.md', () => {
    const names = [...read('src/webhooks/delivery-metrics.ts').matchAll(/name: '(\w+)'/g)].map((m) => m[1]);
    expect(names).toHaveLength(4);
    const operations = read('docs/operations.md');
    expect(names.filter((name) => !section(doc, 'Operations').includes(`\`${name}\``) || !operations.includes(`\`${name}\``))).toEqual([]);
  });
});

describe.each(storeKinds)('the verifying receiver of docs/webhooks.md [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  });
  afterAll(async () => t?.close());

  it('accepts real deliveries once per webhook-id, refuses a wrong secret, and both verifiers agree', async () => {
    const secret = newSecret();
    const handled: string[] = [];
    const server = webhookReceiver(secret, (event) => handled.push(event.type));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/coffer`;
    const capture = await startReceiver();
    try {
      const good = await addEndpoint(t, { url, secret });
      const wrong = await addEndpoint(t, { url });
      const copy = await addEndpoint(t, { url: capture.url, secret });
      const eventId = await emitEvent(t);
      await t.coffer.jobs.tick();
      expect((await t.request('POST', `/webhooks/${good.id}/redeliver`, { body: { event_id: eventId } })).statusCode).toBe(200);
      await t.coffer.jobs.tick();

      expect(handled).toEqual(['customer.created']);
      expect((await attemptsOf(t, good.id)).map((a) => [a.outcome, a.status_code])).toEqual([['succeeded', 204], ['succeeded', 204]]);
      expect((await attemptsOf(t, wrong.id)).map((a) => [a.outcome, a.status_code])).toEqual([['failed', 400]]);
      const [delivery] = await capture.waitFor(1);
      expect(verifyWithStandardWebhooks(delivery.body, delivery.headers, secret)).toEqual(verifyWithSdk(delivery.body, delivery.headers, secret));
      expect(copy.id).toMatch(/^whk_/);
    } finally {
      await capture.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
