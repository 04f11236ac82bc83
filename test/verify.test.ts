// `coffer verify` passes a store written by real API traffic and names exactly what is wrong in each corrupted copy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/db/database.ts';
import { type Finding, type FindingKind, findingKinds } from '../src/ops/findings.ts';
import { hasTable } from '../src/ops/verify-context.ts';
import { type VerifyReport, verifyStore } from '../src/ops/verify.ts';
import { createCustomer, mustPost } from './support/fixtures.ts';
import { type Corruption, corrupt, runCoffer } from './support/ops.ts';
import { type TestDatabase, storeKinds } from './support/stores.ts';
import { startTestApp } from './support/test-app.ts';

vi.setConfig({ testTimeout: 120_000 });

interface World {
  database: TestDatabase;
  /**
   * Business A and its customers; alice has 4 USD entries and 2 INR ones, bob 1 USD, carol none, erin a promotional
   * credit (a stored lot) and a debit that drew from it; dave is business B's.
   */
  businessA: string;
  businessB: string;
  alice: string;
  bob: string;
  carol: string;
  dave: string;
  erin: string;
  /** alice's USD entry ids by wallet_seq (index 0 is wallet_seq 1). */
  aliceUsd: string[];
  /** erin's debit, which drew from her promotional lot. */
  erinDebit: string;
  hasIdempotencyRecords: boolean;
}

/** A store written only through the HTTP API, then closed: the starting point of every case. */
async function cleanWorld(kind: (typeof storeKinds)[number]): Promise<World> {
  const t = await startTestApp(kind);
  const other = await t.addBusiness('Other business');
  const alice = (await createCustomer(t, { name: 'Alice', metadata: { tier: 'gold', vip: true, visits: 3 } })).customer_id;
  const bob = (await createCustomer(t, { name: 'Bob', phone_number: '+1 555 0100' })).customer_id;
  const carol = (await createCustomer(t, { name: 'Carol' })).customer_id;
  const dave = (await createCustomer(t, { name: 'Dave' }, other.apiKey)).customer_id;
  const post = (customerId: string, amount: number, currency: string, entryType: 'credit' | 'debit', key: string | null, apiKey?: string) =>
    mustPost(t, customerId, { amount, currency, entry_type: entryType, reason: `${entryType} ${amount}`, ...(key ? { idempotency_key: key } : {}) }, apiKey);
  await post(alice, 1000, 'USD', 'credit', 'a1');
  await post(alice, 5000, 'INR', 'credit', 'a2');
  await post(alice, 300, 'USD', 'debit', 'a3');
  await post(alice, 500, 'USD', 'credit', null);
  await post(alice, 1000, 'INR', 'debit', 'a5');
  await post(alice, 200, 'USD', 'debit', 'a6');
  await post(bob, 700, 'USD', 'credit', 'b1');
  await post(dave, 100, 'USD', 'credit', 'a1', other.apiKey); // the same key in another business is another key
  await t.request('PATCH', `/customers/${bob}`, { body: { name: 'Bob B.' } });
  const erin = (await createCustomer(t, { name: 'Erin' })).customer_id;
  const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  await mustPost(t, erin, { amount: 400, currency: 'USD', entry_type: 'credit', category: 'promotional', expires_at: expiresAt });
  await post(erin, 100, 'USD', 'debit', 'e2');

  const side = await openStore(loadConfig(t.env));
  const aliceUsd = (
    await side.db.selectFrom('ledger_entries').select('id').where('customer_id', '=', alice).where('currency', '=', 'USD').orderBy('wallet_seq').execute()
  ).map((row) => row.id);
  const erinDebit = (await side.db.selectFrom('ledger_entries').select('id').where('customer_id', '=', erin).where('is_credit', '=', 0).executeTakeFirstOrThrow()).id;
  const hasIdempotencyRecords = await side.db.transaction().execute((trx) => hasTable(trx, kind, 'idempotency_records'));
  await side.close();
  // Close the app now; t.close() (closing again is a no-op) drops the database at the end of the test.
  await t.coffer.close();
  const database: TestDatabase = { kind, env: t.env, drop: () => t.close() };
  return { database, businessA: t.businessId, businessB: other.businessId, alice, bob, carol, dave, erin, aliceUsd, erinDebit, hasIdempotencyRecords };
}

async function verify(database: TestDatabase, pageRowsMax?: number): Promise<VerifyReport> {
  const store = await openStore(loadConfig(database.env));
  try {
    return await verifyStore(store, { pageRowsMax });
  } finally {
    await store.close();
  }
}

const kindsOf = (findings: Finding[]) => [...new Set(findings.map((f) => f.kind))].sort();

interface Case {
  name: string;
  /** The corruption, or null when this store cannot hold it (the reason is the string). */
  corruption(w: World): Corruption | string;
  /** The finding kinds it must produce, and nothing else. */
  kinds(w: World): FindingKind[];
  /** What every finding must name. */
  names(w: World): Record<string, string | number>;
}

const q = (value: string) => `'${value}'`;

const cases: Case[] = [
  {
    name: 'a wallet balance changed',
    corruption: (w) => ({ sql: [`update wallets set balance = balance + 1 where customer_id = ${q(w.alice)} and currency = 'USD'`] }),
    kinds: () => ['lot_balance_mismatch', 'wallet_balance_mismatch'],
    names: (w) => ({ customer_id: w.alice, currency: 'USD' }),
  },
  {
    name: 'an entry deleted in the middle of a chain',
    corruption: (w) => ({ sql: [`delete from ledger_entries where id = ${q(w.aliceUsd[1])}`] }),
    kinds: (w) => [
      'chain_break',
      'customer_seq_gap',
      // The deleted debit took 300 from the pool: the next one's offset leaves a gap, pool_out exceeds their sum.
      'pool_mismatch',
      'wallet_balance_mismatch',
      'wallet_seq_gap',
      ...(w.hasIdempotencyRecords ? (['idempotency_record_dangling'] as const) : []),
    ],
    names: (w) => ({ customer_id: w.alice }),
  },
  {
    name: 'a before_balance changed (with its after_balance, so the arithmetic CHECK holds)',
    corruption: (w) => ({ sql: [`update ledger_entries set before_balance = before_balance + 7, after_balance = after_balance + 7 where id = ${q(w.aliceUsd[1])}`] }),
    kinds: () => ['chain_break'],
    names: (w) => ({ customer_id: w.alice, currency: 'USD' }),
  },
  {
    name: 'an after_balance that is not before ± amount',
    corruption: (w) => ({ ignoreChecks: true, sql: [`update ledger_entries set after_balance = after_balance + 7 where id = ${q(w.aliceUsd[1])}`] }),
    kinds: () => ['chain_break', 'entry_arithmetic'],
    names: (w) => ({ customer_id: w.alice, currency: 'USD' }),
  },
  {
    name: 'a wallet_seq skipped (the counter moved with it)',
    corruption: (w) => ({
      sql: [
        `update ledger_entries set wallet_seq = 5 where id = ${q(w.aliceUsd[3])}`,
        `update wallets set entry_count = 5 where customer_id = ${q(w.alice)} and currency = 'USD'`,
      ],
    }),
    kinds: () => ['wallet_seq_gap'],
    names: (w) => ({ entry_id: w.aliceUsd[3], wallet_seq: 5 }),
  },
  {
    name: "a wallet's first entry renumbered 0",
    corruption: (w) => ({ sql: [`update ledger_entries set wallet_seq = 0 where id = ${q(w.aliceUsd[0])}`] }),
    kinds: () => ['wallet_seq_gap'],
    names: (w) => ({ customer_id: w.alice, currency: 'USD' }),
  },
  {
    name: 'a customer_seq skipped (the counter moved with it)',
    corruption: (w) => ({
      sql: [
        `update ledger_entries set customer_seq = 7 where id = ${q(w.aliceUsd[3])}`,
        `update customers set entry_count = 7 where id = ${q(w.alice)}`,
      ],
    }),
    kinds: () => ['customer_seq_gap'],
    names: (w) => ({ entry_id: w.aliceUsd[3], customer_seq: 7 }),
  },
  {
    name: 'a wallet counter bumped',
    corruption: (w) => ({ sql: [`update wallets set entry_count = entry_count + 1 where customer_id = ${q(w.bob)} and currency = 'USD'`] }),
    kinds: () => ['wallet_entry_count_mismatch'],
    names: (w) => ({ customer_id: w.bob, currency: 'USD' }),
  },
  {
    name: 'a customer counter bumped',
    corruption: (w) => ({ sql: [`update customers set entry_count = entry_count + 1 where id = ${q(w.carol)}`] }),
    kinds: () => ['customer_entry_count_mismatch'],
    names: (w) => ({ customer_id: w.carol }),
  },
  {
    name: 'a negative balance',
    corruption: (w) => ({ ignoreChecks: true, sql: [`update wallets set balance = -5 where customer_id = ${q(w.carol)} and currency = 'INR'`] }),
    // A balance below 0 is also below the held amount (0): the holds pass names it too.
    kinds: () => ['hold_mismatch', 'lot_balance_mismatch', 'negative_balance', 'wallet_balance_mismatch'],
    names: (w) => ({ customer_id: w.carol, currency: 'INR' }),
  },
  {
    name: "an entry moved to another business's books",
    corruption: (w) => ({ sql: [`update ledger_entries set business_id = ${q(w.businessB)} where customer_id = ${q(w.bob)}`] }),
    kinds: (w) => [
      'tenant_mismatch',
      ...(w.hasIdempotencyRecords ? (['idempotency_record_dangling', 'idempotency_record_missing'] as const) : []),
    ],
    names: (w) => ({ customer_id: w.bob }),
  },
  {
    name: 'an entry without a wallet',
    corruption: (w) => ({
      ignoreForeignKeys: true,
      sql: [
        `insert into ledger_entries (id, business_id, customer_id, currency, amount, is_credit, event_type, reason, reference_object_id,
           idempotency_key, before_balance, after_balance, customer_seq, wallet_seq, created_at)
         values ('cwt_ghost', ${q(w.businessA)}, 'cus_ghost', 'USD', 10, 1, 'merchant_adjustment', null, null, null, 0, 10, 1, 1, '2024-01-01T00:00:00.000Z')`,
      ],
    }),
    kinds: () => ['orphan_entry'],
    names: () => ({ entry_id: 'cwt_ghost', customer_id: 'cus_ghost' }),
  },
  {
    name: 'a wallet without a customer',
    corruption: (w) => ({
      ignoreForeignKeys: true,
      sql: [
        `insert into wallets (customer_id, currency, business_id, balance, entry_count, created_at, updated_at)
         values ('cus_ghost', 'USD', ${q(w.businessA)}, 0, 0, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')`,
      ],
    }),
    kinds: () => ['orphan_wallet'],
    names: () => ({ customer_id: 'cus_ghost', currency: 'USD' }),
  },
  {
    name: "an entry's idempotency record deleted",
    corruption: (w) =>
      w.hasIdempotencyRecords
        ? { sql: [`delete from idempotency_records where business_id = ${q(w.businessA)} and key = 'a1'`] }
        : 'this store has no idempotency_records table yet (migration 0002)',
    kinds: () => ['idempotency_record_missing'],
    names: (w) => ({ entry_id: w.aliceUsd[0] }),
  },
  {
    name: 'an idempotency record naming no entry',
    corruption: (w) =>
      w.hasIdempotencyRecords
        ? {
            sql: [
              `insert into idempotency_records (business_id, scope, key, fingerprint, result_type, result_id, created_at)
               values (${q(w.businessA)}, 'client', 'ghost-key', 'x', 'ledger_entry', 'cwt_ghost', '2024-01-01T00:00:00.000Z')`,
            ],
          }
        : 'this store has no idempotency_records table yet (migration 0002)',
    kinds: () => ['idempotency_record_dangling'],
    names: (w) => ({ business_id: w.businessA, key: 'ghost-key' }),
  },
  {
    name: 'metadata the API cannot serve (not an object, a non-finite number, not JSON)',
    corruption: (w) => ({
      sql: [
        `update customers set metadata = '[1]' where id = ${q(w.alice)}`,
        `update customers set metadata = '{"n":1e999}' where id = ${q(w.bob)}`,
        `update customers set metadata = '{"nested":{"a":1}}' where id = ${q(w.carol)}`,
        `update customers set metadata = 'not json' where id = ${q(w.dave)}`,
      ],
    }),
    kinds: () => ['invalid_metadata'],
    names: () => ({}),
  },
  {
    name: 'timestamps that do not parse back to themselves',
    corruption: (w) => ({
      sql: [
        `update customers set created_at = '2024-01-01 00:00:00' where id = ${q(w.alice)}`,
        `update ledger_entries set created_at = '2024-02-30T00:00:00.000Z' where id = ${q(w.aliceUsd[0])}`,
        `update wallets set updated_at = 'yesterday' where customer_id = ${q(w.bob)} and currency = 'USD'`,
      ],
    }),
    kinds: () => ['invalid_timestamp'],
    names: () => ({}),
  },
  {
    name: 'text that is not well-formed (a lone surrogate, a stray byte)',
    corruption: (w) =>
      w.database.kind === 'sqlite'
        ? {
            sql: [
              `update customers set name = cast(x'41eda08042' as text) where id = ${q(w.alice)}`,
              `update ledger_entries set reason = cast(x'ff' as text) where id = ${q(w.aliceUsd[0])}`,
            ],
          }
        : 'PostgreSQL (UTF8) refuses ill-formed text on write, so no store of it can hold any',
    kinds: () => ['invalid_text'],
    names: (w) => ({ customer_id: w.alice }),
  },
  {
    name: "a lot's remainder changed",
    corruption: (w) => ({ sql: [`update credit_lots set remaining_amount = remaining_amount - 1 where customer_id = ${q(w.erin)}`] }),
    kinds: () => ['lot_amount_mismatch', 'lot_balance_mismatch'],
    names: () => ({}),
  },
  {
    name: 'a draw changed',
    corruption: (w) => ({ sql: [`update lot_draws set amount = amount + 1 where entry_id = ${q(w.erinDebit)}`] }),
    kinds: () => ['lot_amount_mismatch', 'lot_draw_mismatch'],
    names: () => ({}),
  },
  {
    name: "a debit's place in the paid pool moved",
    corruption: (w) => ({ sql: [`update ledger_entries set pool_offset = pool_offset + 1 where id = ${q(w.aliceUsd[3])}`] }),
    kinds: () => ['pool_mismatch'],
    names: (w) => ({ entry_id: w.aliceUsd[3], customer_id: w.alice }),
  },
  {
    name: "a wallet's paid pool counter changed",
    corruption: (w) => ({ sql: [`update wallets set pool_out = pool_out + 1 where customer_id = ${q(w.bob)} and currency = 'USD'`] }),
    kinds: () => ['lot_balance_mismatch', 'pool_mismatch'],
    names: (w) => ({ customer_id: w.bob, currency: 'USD' }),
  },
  {
    name: 'an expiration entry of no expired lot',
    corruption: (w) => ({ sql: [`update ledger_entries set event_type = 'expiration' where id = ${q(w.aliceUsd[2])}`] }),
    kinds: () => ['lot_expiry_mismatch'],
    names: (w) => ({ entry_id: w.aliceUsd[2] }),
  },
  {
    name: "a wallet's held amount that no active hold explains",
    corruption: (w) => ({ sql: [`update wallets set held_amount = held_amount + 1 where customer_id = ${q(w.bob)} and currency = 'USD'`] }),
    kinds: () => ['hold_mismatch', 'lot_balance_mismatch'],
    names: () => ({}),
  },
  {
    name: 'an event type the API does not define',
    corruption: (w) => ({ sql: [`update ledger_entries set event_type = 'bogus' where id = ${q(w.aliceUsd[2])}`] }),
    kinds: () => ['invalid_event_type'],
    names: (w) => ({ entry_id: w.aliceUsd[2] }),
  },
];

describe('verify cases', () => {
  it('cover every finding kind', () => {
    const probe = { hasIdempotencyRecords: true, database: { kind: 'sqlite' } } as World;
    const covered = new Set(cases.flatMap((c) => c.kinds(probe)));
    expect(findingKinds.filter((kind) => !covered.has(kind))).toEqual([]);
  });
});

describe.each(storeKinds)('coffer verify [%s]', (kind) => {
  it('passes a store written by API traffic, in any page size, and the command exits 0', async () => {
    const w = await cleanWorld(kind);
    try {
      for (const pageRowsMax of [undefined, 1, 2, 3]) {
        const report = await verify(w.database, pageRowsMax);
        expect(report.findings, `page size ${pageRowsMax}`).toEqual([]);
        expect(report.clean).toBe(true);
        expect(report.rows).toMatchObject({ customers: 5, wallets: 10, ledger_entries: 10, credit_lots: 1 });
        expect(report.skipped).toEqual(w.hasIdempotencyRecords ? [] : ['idempotency_records']);
      }
      const run = await runCoffer(['verify'], w.database.env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('checked: customers 5, wallets 10, ledger_entries 10');
      expect(run.stdout).toContain('verify: OK, no findings');
    } finally {
      await w.database.drop();
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))('fails naming the problem: %s', async (_name, c) => {
    const w = await cleanWorld(kind);
    try {
      const corruption = c.corruption(w);
      if (typeof corruption === 'string') {
        console.info(`[${kind}] ${c.name}: not applicable (${corruption})`);
        return;
      }
      await corrupt(w.database, corruption);
      const report = await verify(w.database);
      expect(kindsOf(report.findings)).toEqual([...c.kinds(w)].sort());
      expect(report.clean).toBe(false);
      // An idempotency finding names its record (business, scope, key); every other names the corrupted customer's rows.
      for (const finding of report.findings) {
        if (finding.table === 'idempotency_records') expect(finding.ids).toMatchObject({ scope: 'client', key: expect.any(String) });
        else expect(finding.ids).toMatchObject(c.names(w));
      }
      // Paging must not change what is found.
      expect((await verify(w.database, 2)).findings).toEqual(report.findings);
    } finally {
      await w.database.drop();
    }
  });

  it('the command exits 1 and lists each finding with the record it names', async () => {
    const w = await cleanWorld(kind);
    try {
      await corrupt(w.database, { sql: [`update wallets set balance = balance + 1 where customer_id = ${q(w.alice)} and currency = 'USD'`] });
      const run = await runCoffer(['verify'], w.database.env);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`wallet_balance_mismatch wallets customer_id=${w.alice} currency=USD: balance 1001, sum of its 4 entries 1000`);
      // The balance no longer matches its entries, nor its lots.
      expect(run.stdout).toContain('verify: FAILED, 2 findings (wallet_balance_mismatch 1, lot_balance_mismatch 1)');
      const json = await runCoffer(['verify', '--json'], w.database.env);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ clean: false, findingTotal: 2,
        findings: [
          { kind: 'wallet_balance_mismatch', ids: { customer_id: w.alice } },
          { kind: 'lot_balance_mismatch', ids: { customer_id: w.alice } },
        ],
      });
    } finally {
      await w.database.drop();
    }
  });
});

describe('coffer verify refusals', () => {
  it('exits 2 without creating a database when there is none', async () => {
    const run = await runCoffer(['verify'], { DATABASE_URL: '/tmp/coffer-verify-none/nothing.db' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no database at /tmp/coffer-verify-none/nothing.db');
    expect(fs.existsSync('/tmp/coffer-verify-none')).toBe(false);
  });

  it('exits 2 on a database without Coffer tables', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-verify-'));
    try {
      new SQLite(path.join(dir, 'other.db')).exec('create table t (x)');
      const run = await runCoffer(['verify'], { DATABASE_URL: path.join(dir, 'other.db') });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('holds no Coffer tables (wrong DATABASE_URL or COFFER_DB_SCHEMA?)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
