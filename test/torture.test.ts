// The crash-and-concurrency torture, short and seeded, on both stores, then `coffer verify` on what it left; and proof that its checker catches lost or doubled money.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/db/database.ts';
import { formatFinding } from '../src/ops/findings.ts';
import { verifyStore } from '../src/ops/verify.ts';
import { Book } from '../torture/book.ts';
import { checkInvariants } from '../torture/invariants.ts';
import { shortDefaults } from '../torture/options.ts';
import { formatSummary } from '../torture/report.ts';
import type { ApiSnapshot, DatabaseSnapshot, EntryRow } from '../torture/snapshots.ts';
import { runTorture } from '../torture/torture.ts';
import { dropPostgresSchema, storeKinds } from './support/stores.ts';

/** `coffer verify`'s check of the store a torture run left (kept for it), then the store is dropped. */
async function verifyTortureStore(summary: Awaited<ReturnType<typeof runTorture>>): Promise<string[]> {
  const schema = / schema (\S+)$/.exec(summary.database)?.[1];
  const env = schema
    ? { DATABASE_URL: summary.options.postgresUrl, COFFER_DB_SCHEMA: schema }
    : { DATABASE_URL: summary.database };
  const store = await openStore(loadConfig(env));
  try {
    const report = await verifyStore(store);
    expect(report.rows.ledger_entries).toBe(summary.entries);
    return report.findings.map(formatFinding);
  } finally {
    await store.close();
    if (schema) await dropPostgresSchema(summary.options.postgresUrl, schema);
    else fs.rmSync(path.dirname(summary.database), { recursive: true, force: true });
  }
}

describe.each(storeKinds)('torture: SIGKILL under 64 concurrent clients [%s]', (kind) => {
  it('keeps every acknowledged entry exactly once and every balance consistent across ≥ 3 kills', async () => {
    const summary = await runTorture({ ...shortDefaults, store: kind, seed: 20_240_601, keep: true });
    const report = formatSummary(summary);
    if (!summary.passed) console.error(report);
    expect(summary.error).toBeUndefined();
    expect(summary.kills).toBeGreaterThanOrEqual(3);
    expect(summary.restarts).toBeGreaterThanOrEqual(3);
    expect(summary.operations.issued).toBeGreaterThanOrEqual(shortDefaults.operations);
    expect(summary.keys.acknowledged).toBeGreaterThan(500);
    expect(summary.keys.refused).toBeGreaterThan(0);
    expect(summary.requests.noResponse).toBeGreaterThan(0); // the kills really cut requests off
    expect(summary.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail} ${i.examples.join('; ')}`)).toEqual([]);
    expect(summary.invariants).toHaveLength(11);
    expect(await verifyTortureStore(summary), 'coffer verify on the store the run left').toEqual([]);
  }, 240_000);
});

describe('torture checker', () => {
  const customerId = 'cus_1';
  const entry = (seq: number, key: string, amount: number, isCredit: boolean, before: number): EntryRow => ({
    id: `cwe_${seq}`,
    customer_id: customerId,
    currency: 'USD',
    amount,
    is_credit: isCredit ? 1 : 0,
    idempotency_key: key,
    before_balance: before,
    after_balance: isCredit ? before + amount : before - amount,
    customer_seq: seq,
    wallet_seq: seq,
  });
  /** Two acknowledged credits (100, 50), one refused debit, one abandoned debit of 30 that did commit. */
  const world = () => {
    const book = new Book();
    const base = { customerId, currency: 'USD' };
    book.acknowledge(book.addKey({ ...base, key: 'a', amount: 100, isCredit: true, kind: 'credit' }));
    book.acknowledge(book.addKey({ ...base, key: 'b', amount: 50, isCredit: true, kind: 'credit' }));
    book.addKey({ ...base, key: 'r', amount: 999, isCredit: false, kind: 'debit' }).status = 'refused';
    const lost = book.addKey({ ...base, key: 'u', amount: 30, isCredit: false, kind: 'debit' });
    lost.status = 'unknown';
    lost.unknownReason = 'abandoned';
    const entries = [entry(1, 'a', 100, true, 0), entry(2, 'u', 30, false, 100), entry(3, 'b', 50, true, 70)];
    const database: DatabaseSnapshot = {
      customers: [{ id: customerId, entry_count: 3 }],
      wallets: [{ customer_id: customerId, currency: 'USD', balance: 120, entry_count: 3 }],
      entries,
    };
    const api: ApiSnapshot = {
      balances: new Map([[customerId, new Map([['USD', 120]])]]),
      entryIds: new Map([[customerId, ['cwe_3', 'cwe_2', 'cwe_1']]]),
      problems: [],
    };
    return { book, database, api };
  };
  const failing = (w: ReturnType<typeof world>) =>
    checkInvariants(w.book, w.database, w.api, []).invariants.filter((i) => !i.ok).map((i) => i.name);

  it('passes a consistent world and lists the committed-but-unacknowledged key', () => {
    const w = world();
    const report = checkInvariants(w.book, w.database, w.api, []);
    expect(report.invariants.every((i) => i.ok)).toBe(true);
    expect(report.committedUnacknowledged.map((c) => c.key)).toEqual(['u']);
  });

  it('fails when an acknowledged entry is lost', () => {
    const w = world();
    w.database.entries.pop();
    w.database.wallets[0] = { ...w.database.wallets[0], balance: 70, entry_count: 2 };
    w.database.customers[0].entry_count = 2;
    w.api.balances.get(customerId)!.set('USD', 70);
    w.api.entryIds.set(customerId, ['cwe_2', 'cwe_1']);
    expect(failing(w)).toEqual([
      'every acknowledged key has exactly one entry, with its request',
      'entries = acknowledged keys + committed-but-unacknowledged keys, each exactly once',
      'per currency Σ balances = Σ acknowledged credits − debits ± committed-unacknowledged',
    ]);
  });

  it('fails when a refused debit was written, a balance drifts, a read saw a negative balance, or a 409 lied', () => {
    const refused = world();
    refused.database.entries.push(entry(4, 'r', 10, false, 120));
    expect(failing(refused)).toContain('no entry for a definitively refused key; no overdraw debit applied');

    const drift = world();
    drift.database.wallets[0].balance = 121;
    expect(failing(drift)).toEqual([
      'every balance = Σ its entries; after_balance chains into the next before_balance',
      'per currency Σ balances = Σ acknowledged credits − debits ± committed-unacknowledged',
      'the API shows exactly what the database holds',
    ]);

    const gap = world();
    gap.database.entries[2] = { ...gap.database.entries[2], wallet_seq: 4, customer_seq: 4 };
    expect(failing(gap)).toContain('wallet_seq and customer_seq dense from 1; entry_count counters match');

    const seen = world();
    seen.book.anomaly('negative_balance_read', 'GET wallets: balance -1');
    seen.book.anomaly('double_success', 'key a answered 200 2 times');
    expect(failing(seen)).toEqual([
      'no read ever saw a negative balance',
      '409 answers named the original entry and body; no key answered 200 twice',
    ]);
  });
});
