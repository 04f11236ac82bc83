// The SDK's own retries against a real Coffer: a lost response (dropped socket, 503, timeout) makes the SDK resend the same body; it applies once.
import DodoPayments, { APIConnectionError, APIConnectionTimeoutError, ConflictError } from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyAction, type SeenRequest, sdkClient, startProxy } from './support/sdk.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

type LostResponse = 'dropped connection' | '503 instead of the answer' | 'client timeout';

// Generous enough that a forwarded (not held) answer always beats it on a loaded machine.
const timeoutMs = 1000;

/** What the proxy does to the first ledger POST; every later request is forwarded untouched. */
function firstPostAction(lost: LostResponse): ProxyAction {
  switch (lost) {
    case 'dropped connection':
      return { kind: 'forward-then-drop' };
    case '503 instead of the answer':
      return { kind: 'forward-then-replace', status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'proxy lost the answer' } };
    case 'client timeout':
      return { kind: 'forward', holdResponseMs: timeoutMs * 2.5 };
  }
}

const isLedgerPost = (request: SeenRequest) => request.method === 'POST' && request.path.endsWith('/wallets/ledger-entries');

const lostResponses: LostResponse[] = ['dropped connection', '503 instead of the answer', 'client timeout'];
const entryTypes = ['credit', 'debit'] as const;

describe.each(storeKinds)('SDK retries [%s]', (kind) => {
  const modes: Array<{ name: string; env: Record<string, string> }> = [
    { name: 'default: a repeated key is 409', env: {} },
    { name: 'COFFER_IDEMPOTENCY_REPLAY=true: a repeat replays the 200', env: { COFFER_IDEMPOTENCY_REPLAY: 'true' } },
  ];

  describe.each(modes)('$name', ({ env }) => {
    const replay = 'COFFER_IDEMPOTENCY_REPLAY' in env;
    let t: TestApp;
    let baseURL: string;
    beforeAll(async () => {
      t = await startTestApp(kind, env);
      baseURL = await t.listen();
    });
    afterAll(async () => t?.close());

    const newCustomer = async (openingBalance: number) => {
      const customerId = (await t.request('POST', '/customers', { body: { email: 'retry@example.com', name: 'Retry' } })).json().customer_id as string;
      if (openingBalance > 0) {
        const opened = await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, {
          body: { amount: openingBalance, currency: 'USD', entry_type: 'credit', idempotency_key: `open_${customerId}` },
        });
        expect(opened.statusCode).toBe(200);
      }
      return customerId;
    };
    const ledgerOf = async (customerId: string) => {
      const wallets = (await t.request('GET', `/customers/${customerId}/wallets`)).json();
      const entries = (await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=100`)).json().items;
      return { balance: wallets.items.find((w: { currency: string }) => w.currency === 'USD').balance as number, entries };
    };

    for (const lost of lostResponses) {
      for (const entryType of entryTypes) {
        it(`a ${entryType} whose response is lost (${lost}) is resent by the SDK and applies once`, async () => {
          const opening = entryType === 'debit' ? 1000 : 0;
          const customerId = await newCustomer(opening);
          let posts = 0;
          const proxy = await startProxy(baseURL, (request) => (isLedgerPost(request) && posts++ === 0 ? firstPostAction(lost) : { kind: 'forward' }));
          try {
            const client = sdkClient(proxy.baseUrl, t.apiKey, { maxRetries: 2, timeout: timeoutMs });
            const body = { amount: 700, currency: 'USD', entry_type: entryType, reason: `retried ${entryType}`, idempotency_key: `retry_${customerId}` } as const;
            const expected = entryType === 'credit' ? opening + 700 : opening - 700;
            const outcome = await client.customers.wallets.ledgerEntries.create(customerId, body).then(
              (wallet) => ({ wallet }),
              (error: unknown) => ({ error }),
            );

            const sent = proxy.requests.filter(isLedgerPost);
            expect(sent.map((r) => r.retryCount)).toEqual([0, 1]);
            expect(sent.map((r) => JSON.parse(r.body))).toEqual([body, body]);
            expect(sent.map((r) => r.upstreamStatus)).toEqual([200, replay ? 200 : 409]);

            if (replay) {
              expect(outcome).toEqual({ wallet: expect.objectContaining({ balance: expected, currency: 'USD', customer_id: customerId }) });
            } else {
              expect('error' in outcome && outcome.error).toBeInstanceOf(ConflictError);
              const conflict = (outcome as { error: ConflictError }).error;
              expect(conflict.error).toMatchObject({
                code: 'IDEMPOTENCY_KEY_ALREADY_USED',
                entry: { amount: 700, is_credit: entryType === 'credit', after_balance: expected, idempotency_key: body.idempotency_key },
                wallet: { balance: expected },
              });
            }
            const ledger = await ledgerOf(customerId);
            expect(ledger.balance).toBe(expected);
            expect(ledger.entries.filter((e: { idempotency_key: string }) => e.idempotency_key === body.idempotency_key)).toHaveLength(1);
            expect(ledger.entries).toHaveLength(opening > 0 ? 2 : 1);
          } finally {
            await proxy.close();
          }
        });
      }
    }

    it('a response lost on every attempt ends in an SDK error, and the entry still applied exactly once', async () => {
      const customerId = await newCustomer(0);
      const proxy = await startProxy(baseURL, (request) => (isLedgerPost(request) ? { kind: 'forward-then-drop' } : { kind: 'forward' }));
      try {
        const client = sdkClient(proxy.baseUrl, t.apiKey, { maxRetries: 2, timeout: timeoutMs });
        const failure = await client.customers.wallets.ledgerEntries
          .create(customerId, { amount: 250, currency: 'USD', entry_type: 'credit', idempotency_key: `lost_${customerId}` })
          .catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(APIConnectionError);
        expect(proxy.requests.filter(isLedgerPost).map((r) => [r.retryCount, r.upstreamStatus])).toEqual([
          [0, 200],
          [1, replay ? 200 : 409],
          [2, replay ? 200 : 409],
        ]);
        const ledger = await ledgerOf(customerId);
        expect(ledger.balance).toBe(250);
        expect(ledger.entries).toHaveLength(1);
      } finally {
        await proxy.close();
      }
    });

    if (!replay) {
      it('even if a proxy strips x-should-retry, the SDK\'s three identical resends of a 409 write nothing', async () => {
        const customerId = await newCustomer(0);
        const body = { amount: 300, currency: 'USD', entry_type: 'credit', idempotency_key: `strip_${customerId}` } as const;
        expect((await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body })).statusCode).toBe(200);
        const proxy = await startProxy(baseURL, () => ({ kind: 'forward', dropHeaders: ['x-should-retry'] }));
        try {
          const failure = await sdkClient(proxy.baseUrl, t.apiKey, { maxRetries: 2 })
            .customers.wallets.ledgerEntries.create(customerId, body)
            .catch((error: unknown) => error);
          expect(failure).toBeInstanceOf(ConflictError);
          expect(proxy.requests.map((r) => [r.retryCount, r.upstreamStatus])).toEqual([[0, 409], [1, 409], [2, 409]]);
          const ledger = await ledgerOf(customerId);
          expect(ledger.balance).toBe(300);
          expect(ledger.entries).toHaveLength(1);
        } finally {
          await proxy.close();
        }
      });

      it('a response that never arrives in time ends in APIConnectionTimeoutError; the credit applied exactly once', async () => {
        const customerId = await newCustomer(0);
        const proxy = await startProxy(baseURL, (request) => (isLedgerPost(request) ? { kind: 'forward', holdResponseMs: timeoutMs * 2.5 } : { kind: 'forward' }));
        try {
          const failure = await sdkClient(proxy.baseUrl, t.apiKey, { maxRetries: 1, timeout: timeoutMs })
            .customers.wallets.ledgerEntries.create(customerId, { amount: 90, currency: 'USD', entry_type: 'credit', idempotency_key: `slow_${customerId}` })
            .catch((error: unknown) => error);
          expect(failure).toBeInstanceOf(APIConnectionTimeoutError);
          expect(proxy.requests.filter(isLedgerPost).map((r) => [r.retryCount, r.upstreamStatus])).toEqual([[0, 200], [1, 409]]);
          const ledger = await ledgerOf(customerId);
          expect(ledger.balance).toBe(90);
          expect(ledger.entries).toHaveLength(1);
        } finally {
          await proxy.close();
        }
      });

      it('without an idempotency_key a resent credit is a new credit (why docs/sdk.md says always send one)', async () => {
        const customerId = await newCustomer(0);
        let posts = 0;
        const proxy = await startProxy(baseURL, (request) => (isLedgerPost(request) && posts++ === 0 ? { kind: 'forward-then-drop' } : { kind: 'forward' }));
        try {
          const client: DodoPayments = sdkClient(proxy.baseUrl, t.apiKey, { maxRetries: 2 });
          const wallet = await client.customers.wallets.ledgerEntries.create(customerId, { amount: 100, currency: 'USD', entry_type: 'credit' });
          expect(wallet.balance).toBe(200);
          expect((await ledgerOf(customerId)).entries).toHaveLength(2);
        } finally {
          await proxy.close();
        }
      });
    }
  });
});
