// Expiry across real `coffer serve` processes: one killed with SIGKILL while its expiry jobs run still leaves exactly
// one expiration entry per lot after restart (both stores), and two processes on one database (SQLite file or PostgreSQL) running the jobs, with
// writes racing them through both, write one entry per lot. `coffer verify` finds the store clean afterwards.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { poster, quickChildEnv, sleep, useChildSuite, waitUntil } from '../support/child-suite.ts';
import { storeKinds } from '../support/stores.ts';

const apiKey = `coffer_test_${'e'.repeat(24)}`;
const fastEnv = quickChildEnv(apiKey, { COFFER_JOBS_HANDLER_TIMEOUT_MS: '2000', COFFER_JOBS_LEASE_MS: '2500' });
const post = poster(apiKey);

/** Customers, each with a paid deposit and `lotsEach` promotional lots expiring from `firstExpiryMs` on, spread out. */
async function seedLots(baseUrl: string, customers: number, lotsEach: number, firstExpiryMs: number, spreadMs: number): Promise<string[]> {
  const ids: string[] = [];
  for (let c = 0; c < customers; c++) {
    const id = (await post(baseUrl, '/customers', { email: `expiry${c}@example.com`, name: `Expiry ${c}` })).customer_id as string;
    ids.push(id);
    await post(baseUrl, `/customers/${id}/wallets/ledger-entries`, { amount: 100, currency: 'USD', entry_type: 'credit' });
    for (let l = 0; l < lotsEach; l++) {
      const expiresAt = new Date(Date.now() + firstExpiryMs + ((c * lotsEach + l) * spreadMs) / (customers * lotsEach)).toISOString();
      await post(baseUrl, `/customers/${id}/wallets/ledger-entries`, { amount: 10 + l, currency: 'USD', entry_type: 'credit', category: 'promotional', expires_at: expiresAt });
    }
  }
  return ids;
}

async function expirationCounts(store: Store): Promise<{ lots: number; activeLots: number; expiredLots: number; entries: number; duplicates: number }> {
  const lots = await store.db.selectFrom('credit_lots').select(['id', 'status']).where('expires_at', 'is not', null).execute();
  const entries = await store.db.selectFrom('ledger_entries').select('reference_object_id').where('event_type', '=', 'expiration').execute();
  const perLot = new Map<string, number>();
  for (const entry of entries) perLot.set(entry.reference_object_id!, (perLot.get(entry.reference_object_id!) ?? 0) + 1);
  return {
    lots: lots.length,
    activeLots: lots.filter((lot) => lot.status === 'active').length,
    expiredLots: lots.filter((lot) => lot.status === 'expired').length,
    entries: entries.length,
    duplicates: [...perLot.values()].filter((count) => count > 1).length,
  };
}

describe.each(storeKinds)('expiry across real processes [%s]', (kind) => {
  const suite = useChildSuite(kind, () => fastEnv);
  const serve = () => suite.serve();

  it('SIGKILL while the expiry jobs run: after restart, exactly one expiration entry per lot', async () => {
    const first = await serve();
    await seedLots(first.baseUrl!, 30, 2, 2_500, 2_000);
    const store = await suite.side();
    // Kill it once some, not all, expirations are written.
    const midway = await waitUntil(async () => {
      const counts = await expirationCounts(store);
      return counts.expiredLots >= 3 && counts.expiredLots < counts.lots;
    }, 20_000);
    first.kill();
    expect((await first.exited).signal).toBe('SIGKILL');
    const atKill = await expirationCounts(store);
    expect(midway, JSON.stringify(atKill)).toBe(true);

    await serve();
    expect(await waitUntil(async () => (await expirationCounts(store)).expiredLots === atKill.lots, 30_000)).toBe(true);
    const after = await expirationCounts(store);
    expect(after).toEqual({ lots: 60, activeLots: 0, expiredLots: 60, entries: 60, duplicates: 0 });
    const report = await verifyStore(store);
    expect(report.findings).toEqual([]);
  }, 120_000);

  it('two processes on one database run the jobs and race writes: one expiration entry per lot', async () => {
    const [a, b] = [await serve(), await serve()];
    const customers = await seedLots(a.baseUrl!, 20, 3, 2_000, 500);
    const store = await suite.side();
    // Writes through both processes while the lots expire: each batch expires what is due before its command.
    const racing = (async () => {
      for (let round = 0; round < 12; round++) {
        await Promise.all(
          customers.map((id, index) =>
            post((index + round) % 2 === 0 ? a.baseUrl! : b.baseUrl!, `/customers/${id}/wallets/ledger-entries`, { amount: 1, currency: 'USD', entry_type: 'debit' }),
          ),
        );
        await sleep(150);
      }
    })();
    await racing;
    // Every lot ends spent (the racing debits take promotional money first) or expired, none still active.
    expect(await waitUntil(async () => (await expirationCounts(store)).activeLots === 0, 30_000)).toBe(true);
    const after = await expirationCounts(store);
    expect(after.expiredLots).toBeGreaterThan(0);
    expect(after.duplicates).toBe(0);
    expect(after.entries).toBe(after.expiredLots);
    const report = await verifyStore(store);
    expect(report.findings).toEqual([]);
  }, 120_000);
});
