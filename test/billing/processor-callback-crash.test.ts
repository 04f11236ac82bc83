// SIGKILL of a real `coffer serve` in the middle of the new money flows, on both stores: a late card-refund failure
// killed after its wallet credit (before the refund row says so), and a processor callback killed after recording its
// event and dispute (before the hold). After a restart, the report sent again finishes each once: one credit, one
// hold, and `coffer verify` finds nothing.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';
import { call } from '../support/child-server.ts';
import { poster, quickChildEnv, useChildSuite, waitUntil } from '../support/child-suite.ts';
import { storeKinds } from '../support/stores.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const apiKey = `coffer_test_${'c'.repeat(24)}`;
const secret = newWebhookSecret();
const post = poster(apiKey);

/** Signs and POSTs one processor event (a fresh timestamp and signature each time, as a retry is sent). */
function sendEvent(baseUrl: string, id: string, event: unknown): Promise<Response> {
  const body = JSON.stringify(event);
  const now = new Date();
  return fetch(`${baseUrl}/processor/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, body) },
    body,
  });
}

describe.each(storeKinds)('the processor callback and late refund failures killed between steps [%s]', (kind) => {
  let receiver: Receiver;
  let side: Store;
  let env: Record<string, string>;
  const suite = useChildSuite(kind, () => env);
  beforeAll(async () => {
    receiver = await startReceiver((request) => {
      const call = JSON.parse(request.body) as { type: string; idempotency_key: string };
      const id = `${call.type === 'charge' ? 'ch' : 're'}_${call.idempotency_key.replace(/[^A-Za-z0-9]/g, '')}`;
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.type === 'charge' ? { status: 'succeeded', charge_id: id } : { status: 'succeeded', refund_id: id }) };
    });
    env = quickChildEnv(apiKey, {
      COFFER_BILLING_STEP_PAUSE_MS: '1500',
      COFFER_PAYMENT_PROCESSOR_URL: receiver.url,
      COFFER_PAYMENT_PROCESSOR_SECRET: secret,
      COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true',
    });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const serve = async () => {
    const server = await suite.serve();
    side = await suite.side();
    return server;
  };
  const walletOf = (customerId: string) => side.db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();

  it('a late refund failure killed after its credit: reported again after restart, the card part is credited once', async () => {
    let server = await serve();
    const baseUrl = server.baseUrl!;
    const customerId = (await post(baseUrl, '/customers', { email: 'crash-late@example.com', name: 'Late' })).customer_id;
    await post(baseUrl, `/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
    await post(baseUrl, `/customers/${customerId}/wallets/ledger-entries`, { amount: 300, currency: 'USD', entry_type: 'credit' });
    const invoice = await post(baseUrl, '/invoices', { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Plan', amount: 1000 }] });
    const payment = await post(baseUrl, `/invoices/${invoice.invoice_id}/pay`, {});
    const refund = await post(baseUrl, '/refunds', { payment_id: payment.payment_id });
    const cardDone = await waitUntil(async () => (await side.db.selectFrom('refunds').select('card_status').where('id', '=', refund.refund_id).executeTakeFirstOrThrow()).card_status === 'succeeded', 20_000);
    expect(cardDone, server.output()).toBe(true);
    void call(`${baseUrl}/refunds/${refund.refund_id}/fail`, { body: { reason: 'card_closed' }, key: apiKey });
    const credited = await waitUntil(async () => (await side.db.selectFrom('ledger_entries').select('id').where('reference_object_id', '=', refund.refund_id).where('amount', '=', 700).execute()).length > 0, 15_000);
    expect(credited).toBe(true);
    server.kill();
    await server.exited;
    expect((await side.db.selectFrom('refunds').select('card_status').where('id', '=', refund.refund_id).executeTakeFirstOrThrow()).card_status).toBe('succeeded');

    server = await serve();
    const again = await post(server.baseUrl!, `/refunds/${refund.refund_id}/fail`, { reason: 'card_closed' });
    expect(again).toMatchObject({ status: 'succeeded', card_status: 'failed_to_wallet', wallet_amount: 1000, card_amount: 0 });
    expect(Number((await walletOf(customerId)).balance)).toBe(1000);
    const entries = await side.db.selectFrom('ledger_entries').selectAll().where('reference_object_id', '=', refund.refund_id).orderBy('wallet_seq').execute();
    expect(entries.map((e) => [Number(e.amount), e.event_type])).toEqual([[300, 'refund'], [700, 'refund']]);
    expect((await verifyStore(side)).findings).toEqual([]);
  });

  it('a callback killed after recording its dispute: sent again after restart, the wallet holds once', async () => {
    let server = await serve();
    const baseUrl = server.baseUrl!;
    const customerId = (await post(baseUrl, '/customers', { email: 'crash-callback@example.com', name: 'Callback' })).customer_id;
    await post(baseUrl, `/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_remote', processor: 'http' });
    const topUp = await post(baseUrl, `/customers/${customerId}/wallets/top-ups`, { currency: 'USD', amount: 1500, idempotency_key: 'crash-callback-top-up' });
    const chargeId = (await side.db.selectFrom('payments').select('charge_id').where('id', '=', topUp.payment.payment_id).executeTakeFirstOrThrow()).charge_id;
    const businessId = topUp.payment.business_id;
    const event = { type: 'dispute.opened', business_id: businessId, charge_id: chargeId, dispute_id: `dp_crash_${kind}`, amount: 800 };
    void sendEvent(baseUrl, `msg_crash_${kind}`, event).catch(() => {});
    const recorded = await waitUntil(async () => (await side.db.selectFrom('processor_events').select('id').where('id', '=', `msg_crash_${kind}`).execute()).length > 0, 15_000);
    expect(recorded).toBe(true);
    server.kill();
    await server.exited;
    const stopped = await side.db.selectFrom('disputes').selectAll().where('processor_dispute_id', '=', `dp_crash_${kind}`).executeTakeFirstOrThrow();
    expect(stopped.status).toBe('opening');
    expect(Number((await walletOf(customerId)).held_amount)).toBe(0);

    server = await serve();
    const response = await sendEvent(server.baseUrl!, `msg_crash_${kind}`, event);
    expect(response.status).toBe(200);
    expect((await response.json()).dispute).toMatchObject({ dispute_id: stopped.id, dispute_status: 'dispute_opened', held_amount: 800 });
    const replay = await sendEvent(server.baseUrl!, `msg_crash_${kind}`, event);
    expect(replay.headers.get('x-idempotent-replay')).toBe('true');
    expect(await walletOf(customerId)).toMatchObject({ balance: 1500, held_amount: 800 });
    expect(await side.db.selectFrom('holds').select('id').where('customer_id', '=', customerId).execute()).toHaveLength(1);
    expect(await side.db.selectFrom('disputes').select('id').where('customer_id', '=', customerId).execute()).toHaveLength(1);
    expect((await verifyStore(side)).findings).toEqual([]);
  });
});
