// Graceful shutdown of a real `coffer serve`: SIGTERM under load loses no acknowledged entry, then exits 0 and refuses new connections.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallOutcome, type ChildServer, call, logLines, startServe } from './support/child-server.ts';
import { type TestDatabase, createTestDatabase, openTestStore, storeKinds } from './support/stores.ts';

const apiKey = 'shutdown-test-key-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(storeKinds)('graceful shutdown [%s]', (kind) => {
  let database: TestDatabase | undefined;
  let server: ChildServer | undefined;
  afterEach(async () => {
    server?.kill();
    await server?.exited;
    await database?.drop();
    server = undefined;
    database = undefined;
  });

  const start = async (env: Record<string, string> = {}) => {
    database = await createTestDatabase(kind);
    server = await startServe({ ...database.env, COFFER_BOOTSTRAP_API_KEY: apiKey, COFFER_RATE_LIMIT_PER_SECOND: '0', ...env });
    expect(server.baseUrl, server.output()).not.toBeNull();
    return { baseUrl: server.baseUrl as string, server };
  };

  const newCustomer = async (baseUrl: string) => {
    const created = await call(`${baseUrl}/customers`, { key: apiKey, body: { email: 'sigterm@example.com', name: 'Sig Term' } });
    if (created.kind !== 'response' || created.status !== 200) throw new Error(`customer not created: ${JSON.stringify(created)}`);
    return JSON.parse(created.body).customer_id as string;
  };

  it('finishes in-flight ledger POSTs and the open batch, loses no 2xx, refuses after, exits 0', async () => {
    // Each batch waits 20 ms for company, so requests are surely in flight (queued or committing) at SIGTERM.
    const { baseUrl, server } = await start({ COFFER_BATCH_WAIT_MS: '20' });
    const customerId = await newCustomer(baseUrl);
    const ledgerUrl = `${baseUrl}/customers/${customerId}/wallets/ledger-entries`;

    const sent: Array<{ key: string; amount: number; outcome: Promise<CallOutcome> }> = [];
    const send = () => {
      const index = sent.length;
      const key = `sigterm_${index}`;
      const amount = 100 + index;
      sent.push({ key, amount, outcome: call(ledgerUrl, { key: apiKey, body: { amount, currency: 'USD', entry_type: 'credit', idempotency_key: key } }) });
    };

    for (let i = 0; i < 200; i++) send();
    // Signal as soon as the first entry is acknowledged: most of the 200 are still queued or mid-commit.
    await Promise.race(sent.map((s) => s.outcome.then((o) => (o.kind === 'response' && o.status === 200 ? o : new Promise(() => {})))));
    const signalledAtMs = performance.now();
    server.child.kill('SIGTERM');

    // Keep knocking while it shuts down: each new request must be answered 503 or refused, never half-handled.
    let exitedYet = false;
    void server.exited.then(() => (exitedYet = true));
    for (let i = 0; i < 100 && !exitedYet; i++) {
      send();
      await sleep(5);
    }
    const exit = await server.exited;
    const outcomes = await Promise.all(sent.map((s) => s.outcome));

    expect(exit, server.output()).toMatchObject({ code: 0, signal: null });
    expect(logLines(server.output()).map((l) => l.msg)).toContain('shutdown complete');

    const acknowledged = new Map<string, number>();
    const tally: Record<string, number> = {};
    outcomes.forEach((outcome, index) => {
      const label = outcome.kind === 'response' ? String(outcome.status) : outcome.code;
      tally[label] = (tally[label] ?? 0) + 1;
      if (outcome.kind === 'response' && outcome.status === 200) acknowledged.set(sent[index].key, sent[index].amount);
      if (outcome.kind === 'response' && outcome.status !== 200) {
        expect(outcome.status, outcome.body).toBe(503);
        expect(JSON.parse(outcome.body)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      }
      // A request that got no answer was refused or reset before Coffer read it.
      if (outcome.kind === 'error') expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome.code);
    });
    // Requests in flight at SIGTERM were answered 200 after it: shutdown waited for them and their batch.
    // Requests sent after SIGTERM found the door closed: refused, reset unread, or answered 503 on an open connection.
    expect(outcomes.filter((o) => o.kind === 'error' || o.status === 503).length, JSON.stringify(tally)).toBeGreaterThan(0);
    const answeredAfterSignal = outcomes.filter((o) => o.kind === 'response' && o.status === 200 && o.atMs > signalledAtMs);
    expect(answeredAfterSignal.length, JSON.stringify(tally)).toBeGreaterThan(0);

    // The process is gone: a new connection is refused.
    const after = await call(`${baseUrl}/healthz`);
    expect(after).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });

    // Every 2xx is in the database exactly once, and nothing else is: no acknowledged entry lost, no refused one written.
    const { store } = await openTestStore(database as TestDatabase);
    try {
      const rows = await store.db
        .selectFrom('ledger_entries')
        .select(['idempotency_key', 'amount'])
        .where('customer_id', '=', customerId)
        .execute();
      const stored = new Map(rows.map((r) => [r.idempotency_key as string, Number(r.amount)]));
      expect(rows.length).toBe(stored.size);
      expect(stored).toEqual(acknowledged);
      const wallet = await store.db
        .selectFrom('wallets')
        .select('balance')
        .where('customer_id', '=', customerId)
        .where('currency', '=', 'USD')
        .executeTakeFirstOrThrow();
      expect(Number(wallet.balance)).toBe([...acknowledged.values()].reduce((sum, amount) => sum + amount, 0));
    } finally {
      await store.close();
    }
  });

  it('does not wait on idle keep-alive connections, and closes a busy one after its response', async () => {
    // The shutdown timeout is long, so a prompt exit shows that nothing waited for it.
    const { baseUrl, server } = await start({ COFFER_BATCH_WAIT_MS: '300', COFFER_SHUTDOWN_TIMEOUT_MS: '60000' });
    const customerId = await newCustomer(baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const warm = await call(`${baseUrl}/customers/${customerId}`, { key: apiKey, agent });
      expect(warm).toMatchObject({ kind: 'response', status: 200 });
      // One socket now sits idle in the agent; a second carries a POST held 300 ms by the batch wait.
      const busy = call(`${baseUrl}/customers/${customerId}/wallets/ledger-entries`, {
        key: apiKey,
        agent,
        body: { amount: 700, currency: 'USD', entry_type: 'credit', idempotency_key: 'keepalive_1' },
      });
      await sleep(100);
      const signalledAtMs = performance.now();
      server.child.kill('SIGTERM');
      const answer = await busy;
      const exit = await server.exited;
      expect(answer).toMatchObject({ kind: 'response', status: 200 });
      expect(exit, server.output()).toMatchObject({ code: 0, signal: null });
      expect(exit.atMs - signalledAtMs).toBeLessThan(5000);
    } finally {
      agent.destroy();
    }
  });

  it('COFFER_SHUTDOWN_TIMEOUT_MS bounds a shutdown held open by a stalled request, and exits non-zero', async () => {
    const { baseUrl, server } = await start({ COFFER_SHUTDOWN_TIMEOUT_MS: '1000' });
    const { port } = new URL(baseUrl);
    // A client that announces a 100-byte body and sends 10: its request never completes.
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      `POST /customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":"`,
    );
    await sleep(200);
    const signalledAtMs = performance.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    socket.destroy();
    expect(exit.code, server.output()).toBe(1);
    expect(exit.atMs - signalledAtMs).toBeGreaterThanOrEqual(900);
    expect(exit.atMs - signalledAtMs).toBeLessThan(5000);
    expect(logLines(server.output()).map((l) => l.msg)).toContain('shutdown timed out; exiting');
  });
});
