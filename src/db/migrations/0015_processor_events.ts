// 0015: the HTTP processor's callback. Each event the processor sends is recorded once by its webhook-id (a replay is
// answered from the record and changes nothing); a dispute opened by the processor keeps the processor's own dispute
// id, unique per business, so a dispute reported twice under two event ids is still one dispute.
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './migration.ts';

export async function up(db: Kysely<any>, _context: MigrationContext): Promise<void> {
  await db.schema
    .createTable('processor_events')
    // The processor's event id (the Standard Webhooks webhook-id header): one server-wide processor, one namespace.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // sha256 of the signed body: the same id with another body is refused, not applied.
    .addColumn('body_digest', 'text', (c) => c.notNull())
    // received: recorded, its effect may be partly applied (a crash); applied: done, replays answer object_id's state.
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('received', 'applied')`))
    // The dispute or refund the event acted on.
    .addColumn('object_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('disputes').addColumn('processor_dispute_id', 'text').execute();
  await db.schema.createIndex('disputes_processor_id').unique().on('disputes').columns(['business_id', 'processor_dispute_id']).execute();
}
