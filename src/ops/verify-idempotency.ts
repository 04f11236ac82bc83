// Verify pass over idempotency records (migration 0002): each names the entry it produced, and each keyed entry has one.
import { sql } from 'kysely';
import { type VerifyContext, hasTable } from './verify-context.ts';

/** Returns false when the store has no idempotency_records table yet (a store from before migration 0002). */
export async function verifyIdempotency(context: VerifyContext): Promise<boolean> {
  const { trx, store, findings } = context;
  if (!(await hasTable(trx, store, 'idempotency_records'))) return false;

  // Entries carrying a key with no record of their business and key that names them.
  const missing = await sql<{ id: string; customer_id: string; business_id: string; idempotency_key: string }>`
    select e.id, e.customer_id, e.business_id, e.idempotency_key from ledger_entries e
    where e.idempotency_key is not null and not exists (
      select 1 from idempotency_records r
      where r.business_id = e.business_id and r.scope = 'client' and r.key = e.idempotency_key and r.result_type = 'ledger_entry' and r.result_id = e.id)
    limit ${context.pageRowsMax}`.execute(trx);
  for (const row of missing.rows) {
    findings.add(
      'idempotency_record_missing',
      'ledger_entries',
      { entry_id: row.id, customer_id: row.customer_id, business_id: row.business_id },
      `no idempotency record for key ${JSON.stringify(row.idempotency_key)}`,
    );
  }

  // Records naming an entry that is not there, belongs to another business, or (client keys) carries another key.
  const dangling = await sql<{ business_id: string; scope: string; key: string; result_id: string; entry_key: string | null; found: number }>`
    select r.business_id, r.scope, r.key, r.result_id, e.idempotency_key as entry_key, case when e.id is null then 0 else 1 end as found
    from idempotency_records r
    left join ledger_entries e on e.id = r.result_id and e.business_id = r.business_id
    where r.result_type = 'ledger_entry' and r.result_id is not null
      and (e.id is null or (r.scope = 'client' and (e.idempotency_key is null or e.idempotency_key <> r.key)))
    limit ${context.pageRowsMax}`.execute(trx);
  for (const row of dangling.rows) {
    const detail = Number(row.found) === 0 ? `names entry ${row.result_id}, which this business does not have` : `names entry ${row.result_id}, whose key is ${JSON.stringify(row.entry_key)}`;
    findings.add('idempotency_record_dangling', 'idempotency_records', { business_id: row.business_id, scope: row.scope, key: row.key }, detail);
  }

  const { rows } = await sql<{ count: number }>`select count(*) as count from idempotency_records`.execute(trx);
  context.counted('idempotency_records', Number(rows[0].count));
  return true;
}
