// 0002: idempotency keys move from a ledger_entries column to records of their own, scoped per business and purpose.
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  let table = db.schema
    .createTable('idempotency_records')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('result_type', 'text', (c) => c.notNull())
    .addColumn('result_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_records_pk', ['business_id', 'scope', 'key']);
  // On SQLite the primary key is the table itself: one b-tree written per record, as the old unique index was.
  if (context.store === 'sqlite') table = table.modifyEnd(sql`without rowid`);
  await table.execute();

  // Every key stored so far was a client's; the fingerprint is idempotency.ts `fingerprint`, built in SQL.
  await sql`
    insert into idempotency_records (business_id, scope, key, fingerprint, result_type, result_id, created_at)
    select business_id, 'client', idempotency_key,
           'v1:' || case when is_credit = 1 then 'credit' else 'debit' end || ':' || customer_id || ':' || currency || ':'
             || cast(amount as text) || ':' || event_type || ':' || coalesce(reference_object_id, ''),
           'ledger_entry', id, created_at
      from ledger_entries
     where idempotency_key is not null`.execute(db);
  await db.schema.dropIndex('ledger_entries_idempotency').execute();
}
