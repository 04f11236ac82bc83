// Webhooks end to end, on both stores: a real receiver verifies every delivery with the official SDK's unwrap and
// with standardwebhooks; every event arrives and each wallet's order can be rebuilt from wallet_seq; a receiver
// that is down for the first attempts gets the events later (the test moves the clock); a Coffer killed with
// SIGKILL mid-delivery delivers after restart; two Coffer processes on one PostgreSQL deliver each event once.
import DodoPayments from 'dodopayments';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookRetryDelaysMs } from '../../src/webhooks/delivery-schedule.ts';
import { type ChildServer, call, startServe } from '../support/child-server.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { sdkClient } from '../support/sdk.ts';
import { type TestDatabase, createTestDatabase, storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Received, type Receiver, startReceiver } from './receiver.ts';

interface Delivered {
  id: string;
  type: string;
  data: { wallet_seq?: number; entry?: { customer_id: string; currency: string; id: string }; customer_id?: string };
}

/** Verifies one delivery both ways and returns the event it carries (throws if either check fails). */
function verified(request: Received, secret: string): Delivered {
  const unwrapped = new DodoPayments({ bearerToken: 'unused', webhookKey: secret }).webhooks.unwrap(request.body, { headers: request.headers }) as unknown as Delivered;
  new Webhook(secret).verify(request.body, request.headers);
  return { ...unwrapped, id: request.headers['webhook-id'] };
}

/** Per wallet, the wallet_seq values delivered (de-duplicated by webhook-id), sorted. */
function walletSequences(events: Delivered[]): Map<string, number[]> {
  const seen = new Set<string>();
  const sequences = new Map<string, number[]>();
  for (const event of events) {
    if (seen.has(event.id) || !event.data.entry || !event.type.startsWith('wallet.') || event.type === 'wallet.low_balance') continue;
    seen.add(event.id);
    const wallet = `${event.data.entry.customer_id}/${event.data.entry.currency}`;
    sequences.set(wallet, [...(sequences.get(wallet) ?? []), event.data.wallet_seq!].sort((a, b) => a - b));
  }
  return sequences;
}

const range = (n: number) => Array.from({ length: n }, (_, index) => index + 1);

describe.each(storeKinds)('webhooks end to end, in process [%s]', (kind) => {
  // Three minutes behind the real time, so that the later attempts' timestamps stay within the ±5 min the verifiers allow.
  const clock = new ManualClock(new Date(Date.now() - 180_000));
  let t: TestApp;
  let client: DodoPayments;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, { clock });
    client = sdkClient(await t.listen(), t.apiKey);
  });
  afterAll(async () => t?.close());

  /** Dispatches, then runs job rounds until a round claims nothing. */
  const deliverDue = async () => {
    await t.coffer.dispatcher.drain();
    for (let round = 0; round < 200; round++) if ((await t.coffer.jobs.tick()).claimed === 0) return;
    throw new Error('deliveries kept coming');
  };

  it('every event arrives verified; each wallet rebuilds 1..n from wallet_seq; a receiver down for the first attempts gets them later', async () => {
    let up = false;
    const receiver: Receiver = await startReceiver(() => (up ? { status: 200 } : { status: 503 }));
    try {
      const endpoint = await client.webhooks.create({ url: receiver.url, description: 'e2e' });
      const { secret } = await client.webhooks.retrieveSecret(endpoint.id);
      const customers = await Promise.all(['E2e One', 'E2e Two', 'E2e Three'].map((name, index) => client.customers.create({ email: `e2e-${index}@example.com`, name })));
      for (const customer of customers) {
        await t.request('PUT', `/customers/${customer.customer_id}/wallets/USD/low-balance-threshold`, { body: { amount: 500 } });
      }
      // Concurrent credits then debits on every wallet (USD crosses below 500 once per customer).
      const writes = (entryType: 'credit' | 'debit', amount: number) =>
        customers.flatMap((customer) =>
          (['USD', 'INR'] as const).flatMap((currency) =>
            range(6).map(() => client.customers.wallets.ledgerEntries.create(customer.customer_id, { amount, currency, entry_type: entryType })),
          ),
        );
      await Promise.all(writes('credit', 200));
      await Promise.all(writes('debit', 150));

      await deliverDue(); // attempt 1: 503
      const firstAttempts = receiver.received.length;
      expect(firstAttempts).toBeGreaterThan(0);
      clock.advance(webhookRetryDelaysMs[0] * 1.2);
      await deliverDue(); // attempt 2: 503
      expect(receiver.received.length).toBe(2 * firstAttempts);
      up = true;
      clock.advance(webhookRetryDelaysMs[1] * 1.2);
      await deliverDue(); // attempt 3: delivered
      const delivered = receiver.received.filter((_, index) => index >= 2 * firstAttempts).map((request) => verified(request, secret));

      // Exactly the events of the feed, each once, with the feed's very payload.
      const feed: Array<Record<string, unknown> & { id: string }> = [];
      for (let after: string | null = null; ; ) {
        const page: { data: typeof feed; iterator: string | null; done: boolean } = (await t.request('GET', `/events?limit=100${after ? `&after=${after}` : ''}`)).json();
        feed.push(...page.data);
        after = page.iterator;
        if (page.done) break;
      }
      const mine = feed.filter((event) => event.timestamp as string >= endpoint.created_at);
      expect(delivered.map((event) => event.id).sort()).toEqual(mine.map((event) => event.id).sort());
      const byId = new Map(delivered.map((event) => [event.id, event]));
      for (const event of mine) {
        const { id, ...envelope } = event;
        expect({ ...byId.get(id), id: undefined }).toEqual({ ...envelope, id: undefined });
      }
      const sequences = walletSequences(delivered);
      expect(sequences.size).toBe(customers.length * 2);
      for (const values of sequences.values()) expect(values).toEqual(range(12));
      expect(delivered.filter((event) => event.type === 'wallet.low_balance')).toHaveLength(customers.length);
      expect(delivered.filter((event) => event.type === 'customer.created')).toHaveLength(customers.length);

      // The delivery log shows the two failures and the success of each event.
      const attempts = (await t.request('GET', `/webhooks/${endpoint.id}/attempts?limit=100`)).json().data as Array<{ status_code: number; outcome: string; attempt: number }>;
      expect(attempts.some((attempt) => attempt.status_code === 503 && attempt.outcome === 'failed')).toBe(true);
      expect(attempts.some((attempt) => attempt.status_code === 200 && attempt.outcome === 'succeeded' && attempt.attempt === 3)).toBe(true);
      await client.webhooks.delete(endpoint.id);
    } finally {
      await receiver.close();
    }
  });
});

describe.each(storeKinds)('webhooks across real processes [%s]', (kind) => {
  const apiKey = `coffer_test_${'k'.repeat(24)}`;
  // Short leases and timeouts, so a killed process's delivery is retried within seconds.
  const fastEnv = {
    COFFER_BOOTSTRAP_API_KEY: apiKey,
    COFFER_LOG_LEVEL: 'warn',
    COFFER_RATE_LIMIT_PER_SECOND: '0',
    COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    COFFER_WEBHOOK_TIMEOUT_MS: '1500',
    COFFER_JOBS_HANDLER_TIMEOUT_MS: '2000',
    COFFER_JOBS_LEASE_MS: '2500',
    COFFER_JOBS_POLL_MS: '100',
  };
  let database: TestDatabase;
  let servers: ChildServer[] = [];
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterEach(async () => {
    for (const server of servers) server.kill();
    await Promise.all(servers.map((server) => server.exited));
    servers = [];
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => database?.drop());

  const serve = async () => {
    const server = await startServe({ ...database.env, ...fastEnv });
    if (!server.baseUrl) throw new Error(`coffer serve did not start:\n${server.output()}`);
    servers.push(server);
    return server;
  };

  it('a Coffer killed with SIGKILL mid-delivery delivers the event after restart', async () => {
    let hang = true;
    receiver = await startReceiver(() => (hang ? { hang: true } : { status: 200 }));
    const first = await serve();
    const client = sdkClient(first.baseUrl!, apiKey);
    const endpoint = await client.webhooks.create({ url: receiver.url, filter_types: ['wallet.credited'] as never });
    const { secret } = await client.webhooks.retrieveSecret(endpoint.id);
    const customer = await client.customers.create({ email: 'kill@example.com', name: 'Killed Mid Delivery' });
    await client.customers.wallets.ledgerEntries.create(customer.customer_id, { amount: 700, currency: 'USD', entry_type: 'credit' });
    const [inFlight] = await receiver.waitFor(1, 15_000);
    first.kill(); // SIGKILL while the receiver holds the request open
    expect((await first.exited).signal).toBe('SIGKILL');
    hang = false;
    receiver.release();

    const second = await serve();
    const deadline = performance.now() + 30_000;
    let answered: Received | undefined;
    while (!answered && performance.now() < deadline) {
      answered = receiver.received.slice(1).find((request) => request.headers['webhook-id'] === inFlight.headers['webhook-id']);
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answered, second.output()).toBeDefined();
    const event = verified(answered!, secret);
    expect(event).toMatchObject({ type: 'wallet.credited', data: { wallet_seq: 1, entry: { customer_id: customer.customer_id } } });
    const log = await call(`${second.baseUrl}/webhooks/${endpoint.id}/attempts`, { key: apiKey });
    expect(log.kind === 'response' && JSON.parse(log.body).data.some((attempt: { outcome: string }) => attempt.outcome === 'succeeded')).toBe(true);
  }, 90_000);

  it('SIGTERM while a receiver hangs: Coffer aborts the delivery, exits 0 promptly, and delivers after restart', async () => {
    let hang = true;
    receiver = await startReceiver(() => (hang ? { hang: true } : { status: 200 }));
    // A delivery timeout longer than the shutdown timeout: only aborting the delivery lets the process exit in time.
    const slowEnv = { COFFER_WEBHOOK_TIMEOUT_MS: '20000', COFFER_JOBS_HANDLER_TIMEOUT_MS: '25000', COFFER_JOBS_LEASE_MS: '30000', COFFER_SHUTDOWN_TIMEOUT_MS: '8000' };
    const first = await startServe({ ...database.env, ...fastEnv, ...slowEnv });
    servers.push(first);
    const client = sdkClient(first.baseUrl!, apiKey);
    const endpoint = await client.webhooks.create({ url: receiver.url, filter_types: ['wallet.debited'] as never });
    const customer = await client.customers.create({ email: 'term@example.com', name: 'Terminated Mid Delivery' });
    await client.customers.wallets.ledgerEntries.create(customer.customer_id, { amount: 5, currency: 'USD', entry_type: 'credit' });
    await client.customers.wallets.ledgerEntries.create(customer.customer_id, { amount: 5, currency: 'USD', entry_type: 'debit' });
    const [inFlight] = await receiver.waitFor(1, 15_000);
    const sentAt = performance.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect({ code: exit.code, signal: exit.signal }, first.output()).toEqual({ code: 0, signal: null });
    expect(exit.atMs - sentAt).toBeLessThan(6_000);
    hang = false;
    const second = await serve();
    const log = async () => {
      const answer = await call(`${second.baseUrl}/webhooks/${endpoint.id}/attempts`, { key: apiKey });
      return answer.kind === 'response' ? (JSON.parse(answer.body).data as Array<{ outcome: string; error: string | null; event_id: string }>) : [];
    };
    expect((await log()).some((attempt) => attempt.outcome === 'failed' && /shutting down|aborted/.test(attempt.error ?? ''))).toBe(true);
    // The retry is due 5 s after the aborted attempt.
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline && !receiver.received.slice(1).some((request) => request.headers['webhook-id'] === inFlight.headers['webhook-id'])) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(receiver.received.slice(1).map((request) => request.headers['webhook-id'])).toContain(inFlight.headers['webhook-id']);
  }, 90_000);

  if (kind === 'postgres') {
    it('two Coffer processes on one PostgreSQL deliver each event once', async () => {
      receiver = await startReceiver(() => ({ status: 200 }));
      const processes = [await serve(), await serve()];
      const clients = processes.map((server) => sdkClient(server.baseUrl!, apiKey));
      const endpoint = await clients[0].webhooks.create({ url: receiver.url });
      const { secret } = await clients[0].webhooks.retrieveSecret(endpoint.id);
      const customers = await Promise.all(range(4).map((index) => clients[index % 2].customers.create({ email: `two-${index}@example.com`, name: `Two ${index}` })));
      // Each process takes writes for every customer, so both write, dispatch and deliver.
      await Promise.all(
        customers.flatMap((customer) =>
          range(20).map((index) => clients[index % 2].customers.wallets.ledgerEntries.create(customer.customer_id, { amount: 10, currency: 'USD', entry_type: 'credit' })),
        ),
      );
      const expected = customers.length * 20 + customers.length;
      await receiver.waitFor(expected, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for any duplicate to show up
      const events = receiver.received.map((request) => verified(request, secret));
      expect(events).toHaveLength(expected);
      expect(new Set(events.map((event) => event.id)).size).toBe(expected);
      for (const values of walletSequences(events).values()) expect(values).toEqual(range(20));
    }, 90_000);
  }
});
