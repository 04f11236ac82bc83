// 0008: webhook fan-out follows the feed with a cursor of its own, so that under load the delivery jobs are made at the
// pace deliveries run instead of one row per event at dispatch (src/outbox/event-dispatcher.ts).
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  // The next feed position to fan out; everything dispatched before this migration was fanned out when dispatched.
  await db.schema
    .alterTable('event_feed_state')
    .addColumn('fanned_out_seq', int64Type(context.store), (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`update event_feed_state set fanned_out_seq = next_seq`.execute(db);
}
