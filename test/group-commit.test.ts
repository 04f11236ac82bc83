// Group commit: one failing command fails alone, batches stay within their bounds, and a response means committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/db/database.ts';
import { GroupCommitter } from '../src/ledger/group-commit.ts';
import type { CofferApp } from '../src/app/coffer.ts';
import { allEntries, balanceOf, buildSiblingApp, createCustomer, credit, openSideStore, postEntry } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('GroupCommitter', () => {
  it('keeps at most concurrencyMax batches of at most batchSizeMax commands in flight, outcomes in order', async () => {
    let inFlight = 0;
    let inFlightMax = 0;
    const sizes: number[] = [];
    const gates: Array<() => void> = [];
    const committer = new GroupCommitter<number, number>(
      async (commands) => {
        inFlight += 1;
        inFlightMax = Math.max(inFlightMax, inFlight);
        sizes.push(commands.length);
        const gate = deferred();
        gates.push(gate.resolve);
        await gate.promise;
        inFlight -= 1;
        return commands.map((c) => c * 10);
      },
      { batchSizeMax: 3, batchWaitMs: 0, concurrencyMax: 2 },
      () => false,
    );
    const results = Array.from({ length: 10 }, (_, i) => committer.submit(i));
    // Release batches one at a time until all are done; at every point at most two are open.
    while (sizes.reduce((a, b) => a + b, 0) < 10 || inFlight > 0) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(inFlightMax).toBe(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(committer.stats).toMatchObject({ commands: 10, retries: 0 });
    await committer.drain();
  });

  it('keeps commands on a key held by an in-flight batch for the batch after it', async () => {
    const batches: string[][] = [];
    const gates: Array<() => void> = [];
    const committer = new GroupCommitter<string, string>(
      async (commands) => {
        batches.push(commands);
        const gate = deferred();
        gates.push(gate.resolve);
        await gate.promise;
        return commands;
      },
      { batchSizeMax: 10, batchWaitMs: 0, concurrencyMax: 2, conflictKey: (command) => command.split(':')[0] },
      () => false,
    );
    const first = committer.submit('hot:1');
    await new Promise((r) => setImmediate(r)); // the first batch starts alone and holds "hot"
    const later = ['hot:2', 'cold:1', 'hot:3', 'warm:1'].map((c) => committer.submit(c));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['hot:1'], ['cold:1', 'warm:1']]);
    gates.shift()!(); // the first batch commits: the hot commands go together into the next one
    await first;
    await new Promise((r) => setImmediate(r));
    expect(batches[2]).toEqual(['hot:2', 'hot:3']);
    while (gates.length > 0) gates.shift()!();
    expect(await Promise.all(later)).toEqual(['hot:2', 'cold:1', 'hot:3', 'warm:1']);
    await committer.drain();
  });

  it('retries a failing batch, then commits its commands alone so that only the poison one fails', async () => {
    const committed: number[] = [];
    const committer = new GroupCommitter<number, string>(
      async (commands) => {
        if (commands.includes(13)) throw Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' });
        committed.push(...commands);
        return commands.map((c) => `ok ${c}`);
      },
      { batchSizeMax: 10, batchWaitMs: 0 },
      (error) => (error as { code?: string }).code === 'SQLITE_BUSY',
    );
    const results = await Promise.allSettled([1, 13, 2].map((c) => committer.submit(c)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed.sort()).toEqual([1, 2]);
    expect(committer.stats.splits).toBe(1);
  });

  it('resolves nothing when the commit fails for good', async () => {
    const committer = new GroupCommitter<number, number>(
      async () => {
        throw new Error('disk full');
      },
      { batchSizeMax: 10, batchWaitMs: 0 },
      () => false,
    );
    await expect(committer.submit(1)).rejects.toThrow('disk full');
    await committer.drain();
  });
});

describe.each(storeKinds)('group commit [%s]', (kind) => {
  // Commands that arrive within 200 ms of an idle batch's first one share its transaction: the tests can tell.
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_BATCH_WAIT_MS: '200' });
  });
  afterAll(async () => t?.close());

  it('fails one insufficient-funds debit alone while the rest of its batch commits', async () => {
    const payer = (await createCustomer(t)).customer_id;
    const other = (await createCustomer(t)).customer_id;
    await credit(t, payer, 1000);
    const batchesBefore = t.coffer.ledger.batchStats.batches;

    const responses = await Promise.all([
      ...[1, 2, 3, 4].map((i) => postEntry(t, payer, { amount: 300, currency: 'USD', entry_type: 'debit', idempotency_key: `buy-${kind}-${i}` })),
      postEntry(t, other, { amount: 70, currency: 'USD', entry_type: 'credit', idempotency_key: `gift-${kind}` }),
    ]);

    expect(t.coffer.ledger.batchStats.batches - batchesBefore).toBe(1);
    const debits = responses.slice(0, 4);
    expect(debits.filter((r) => r.statusCode === 200)).toHaveLength(3);
    const refused = debits.filter((r) => r.statusCode !== 200);
    expect(refused).toHaveLength(1);
    expect(refused[0].statusCode).toBe(400);
    expect(refused[0].json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', balance: 100 });
    expect(responses[4].statusCode).toBe(200);

    expect(await balanceOf(t, payer, 'USD')).toBe(100);
    expect(await balanceOf(t, other, 'USD')).toBe(70);
    const entries = await allEntries(t, payer, 'USD');
    expect(entries.map((e) => e.after_balance)).toEqual([100, 400, 700, 1000]);
  });

  it('answers one duplicate key in a batch 409 while the rest of the batch commits', async () => {
    const id = (await createCustomer(t)).customer_id;
    const batchesBefore = t.coffer.ledger.batchStats.batches;
    const body = (key: string, amount = 10) => ({ amount, currency: 'USD', entry_type: 'credit', idempotency_key: key });
    const responses = await Promise.all([
      postEntry(t, id, body(`a-${kind}`)),
      postEntry(t, id, body(`same-${kind}`, 25)),
      postEntry(t, id, body(`b-${kind}`)),
      postEntry(t, id, body(`same-${kind}`, 25)),
      postEntry(t, id, body(`c-${kind}`)),
    ]);
    expect(t.coffer.ledger.batchStats.batches - batchesBefore).toBe(1);
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    const conflict = responses.find((r) => r.statusCode !== 200)!;
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('IDEMPOTENCY_KEY_ALREADY_USED');
    expect(await balanceOf(t, id, 'USD')).toBe(55);
    expect(await allEntries(t, id)).toHaveLength(4);
  });
});

describe.each(storeKinds)('group commit bounds and durability [%s]', (kind) => {
  let t: TestApp;
  let side: Store;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_BATCH_SIZE_MAX: '4' });
    side = await openSideStore(t);
  });
  afterAll(async () => {
    await side?.close();
    await t?.close();
  });

  it('never puts more than COFFER_BATCH_SIZE_MAX commands in one transaction', async () => {
    const id = (await createCustomer(t)).customer_id;
    const before = { ...t.coffer.ledger.batchStats };
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => postEntry(t, id, { amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: `bound-${kind}-${i}` })),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    const batches = t.coffer.ledger.batchStats.batches - before.batches;
    expect(t.coffer.ledger.batchStats.commands - before.commands).toBe(30);
    expect(batches).toBeGreaterThanOrEqual(8);

    const metrics = (await t.request('GET', '/metrics', { key: null })).body;
    const count = Number(/^coffer_ledger_batch_size_count (\d+)/m.exec(metrics)?.[1]);
    const atMostFour = Number(/^coffer_ledger_batch_size_bucket\{le="4"\} (\d+)/m.exec(metrics)?.[1]);
    expect(count).toBeGreaterThanOrEqual(batches);
    expect(atMostFour).toBe(count);
  });

  it('answers only once the entry is committed: another connection already sees it', async () => {
    const ids = [(await createCustomer(t)).customer_id, (await createCustomer(t)).customer_id, (await createCustomer(t)).customer_id];
    const seenOnResponse: boolean[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const key = `durable-${kind}-${i}`;
        const response = await postEntry(t, ids[i % 3], { amount: 5, currency: 'USD', entry_type: 'credit', idempotency_key: key });
        expect(response.statusCode).toBe(200);
        const row = await side.db
          .selectFrom('ledger_entries')
          .select(['after_balance', 'wallet_seq'])
          .where('business_id', '=', t.businessId)
          .where('idempotency_key', '=', key)
          .executeTakeFirst();
        seenOnResponse.push(row !== undefined && row.after_balance === row.wallet_seq * 5);
      }),
    );
    expect(seenOnResponse).toHaveLength(40);
    expect(seenOnResponse.every(Boolean)).toBe(true);
  });

  it('keeps one hot wallet dense and exact under concurrent batches', async () => {
    const id = (await createCustomer(t)).customer_id;
    await credit(t, id, 1000);
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        postEntry(t, id, { amount: 1 + (i % 7), currency: 'USD', entry_type: i % 3 === 0 ? 'debit' : 'credit', idempotency_key: `hot-${kind}-${i}` }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    const entries = (await allEntries(t, id, 'USD')).reverse();
    expect(entries).toHaveLength(61);
    for (let i = 1; i < entries.length; i++) expect(entries[i].before_balance).toBe(entries[i - 1].after_balance);
    const expected = 1000 + Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (1 + (i % 7))).reduce((a, b) => a + b, 0);
    expect(await balanceOf(t, id, 'USD')).toBe(expected);
    expect(entries.at(-1)!.after_balance).toBe(expected);
  });
});

describe.each(storeKinds)('group commit with two Coffer apps on one database [%s]', (kind) => {
  let t: TestApp;
  let sibling: CofferApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
    sibling = await buildSiblingApp(t, {});
  });
  afterAll(async () => {
    await sibling?.close();
    await t?.close();
  });

  it('keeps a wallet dense and exact when both apps batch onto it at once', async () => {
    const hot = (await createCustomer(t)).customer_id;
    const other = (await createCustomer(t)).customer_id;
    await credit(t, hot, 500);
    await credit(t, other, 500);
    const viaSibling = (customerId: string, body: object) =>
      sibling.app.inject({
        method: 'POST',
        url: `/customers/${customerId}/wallets/ledger-entries`,
        headers: { authorization: `Bearer ${t.apiKey}` },
        payload: body,
      });
    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, i) => {
        const body = { amount: 1 + (i % 5), currency: 'USD', entry_type: i % 4 === 0 ? 'debit' : 'credit', idempotency_key: `two-${kind}-${i}` };
        const customerId = i % 5 === 4 ? other : hot;
        return i % 2 === 0 ? postEntry(t, customerId, body) : viaSibling(customerId, body);
      }),
    );
    expect(responses.map((r) => r.statusCode).filter((status) => status !== 200)).toEqual([]);

    const entries = (await allEntries(t, hot, 'USD')).reverse();
    const expectedCount = 1 + Array.from({ length: 80 }, (_, i) => i).filter((i) => i % 5 !== 4).length;
    expect(entries).toHaveLength(expectedCount);
    for (let i = 1; i < entries.length; i++) expect(entries[i].before_balance).toBe(entries[i - 1].after_balance);
    expect(await balanceOf(t, hot, 'USD')).toBe(entries.at(-1)!.after_balance);
    const side = await openSideStore(t);
    try {
      const rows = await side.db.selectFrom('ledger_entries').select('wallet_seq').where('customer_id', '=', hot).orderBy('wallet_seq').execute();
      expect(rows.map((r) => r.wallet_seq)).toEqual(Array.from({ length: expectedCount }, (_, i) => i + 1));
    } finally {
      await side.close();
    }
  });
});
