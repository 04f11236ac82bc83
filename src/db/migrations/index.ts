// The ordered, append-only list of schema migrations, one file per change; run on start and by `coffer migrate`.
// A new change is a new file (NNNN_name.ts) added at the end of `migrationFiles`; an applied file is never edited.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { StoreKind } from '../../config/config.ts';
import * as core from './0001_core.ts';
import * as idempotencyRecords from './0002_idempotency_records.ts';
import * as jobs from './0003_jobs.ts';
import * as ledgerLoadFunction from './0004_ledger_load_function.ts';
import * as eventsAndWebhooks from './0005_events_and_webhooks.ts';
import * as creditLots from './0006_credit_lots.ts';
import * as paymentMethods from './0007_payment_methods.ts';
import * as webhookFanOutCursor from './0008_webhook_fan_out_cursor.ts';
import * as holds from './0009_holds.ts';
import * as billing from './0010_billing.ts';
import * as refundsDisputes from './0011_refunds_disputes.ts';
import * as subscriptions from './0012_subscriptions.ts';
import * as analytics from './0013_analytics.ts';
import * as dashboardSessions from './0014_dashboard_sessions.ts';
import * as processorEvents from './0015_processor_events.ts';
import * as autoRecharge from './0016_auto_recharge.ts';
import * as businessDayRollups from './0017_business_day_rollups.ts';
import * as refundIdempotency from './0018_refund_idempotency.ts';
import * as paidPool from './0019_paid_pool.ts';
import * as statementBlocks from './0020_statement_blocks.ts';
import * as statementReadFunction from './0021_statement_read_function.ts';
import type { MigrationContext } from './migration.ts';

interface MigrationFile {
  up(db: Kysely<any>, context: MigrationContext): Promise<void>;
}

/** Applied in this order; names sort in the same order, as Kysely's migrator requires. */
export const migrationFiles: ReadonlyArray<readonly [name: string, file: MigrationFile]> = [
  ['0001_core', core],
  ['0002_idempotency_records', idempotencyRecords],
  ['0003_jobs', jobs],
  ['0004_ledger_load_function', ledgerLoadFunction],
  ['0005_events_and_webhooks', eventsAndWebhooks],
  ['0006_credit_lots', creditLots],
  ['0007_payment_methods', paymentMethods],
  ['0008_webhook_fan_out_cursor', webhookFanOutCursor],
  ['0009_holds', holds],
  ['0010_billing', billing],
  ['0011_refunds_disputes', refundsDisputes],
  ['0012_subscriptions', subscriptions],
  ['0013_analytics', analytics],
  ['0014_dashboard_sessions', dashboardSessions],
  ['0015_processor_events', processorEvents],
  ['0016_auto_recharge', autoRecharge],
  ['0017_business_day_rollups', businessDayRollups],
  ['0018_refund_idempotency', refundIdempotency],
  ['0019_paid_pool', paidPool],
  ['0020_statement_blocks', statementBlocks],
  ['0021_statement_read_function', statementReadFunction],
];

const catalogRetriesMax = 5;

/** PostgreSQL's "schema/relation … does not exist" (3F000, 42P01) or a catalog row vanishing (XX000 cache lookup). */
function isConcurrentCatalogChange(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '3F000' || code === '42P01' || /cache lookup failed|does not exist/.test(message ?? '');
}

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly store: StoreKind) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const context = { store: this.store };
    return Object.fromEntries(migrationFiles.map(([name, file]) => [name, { up: (db: Kysely<any>) => file.up(db, context) }]));
  }
}

/** Applies every pending migration; throws with the failing migration's name and error. */
export function migrateToLatest(db: Kysely<any>, store: StoreKind): Promise<string[]> {
  return migrate(db, store, (migrator) => migrator.migrateToLatest());
}

/** Applies the migrations up to and including `name` (tests of a migration start from the schema before it). */
export function migrateTo(db: Kysely<any>, store: StoreKind, name: string): Promise<string[]> {
  return migrate(db, store, (migrator) => migrator.migrateTo(name));
}

async function migrate(db: Kysely<any>, store: StoreKind, run: (migrator: Migrator) => ReturnType<Migrator['migrateToLatest']>): Promise<string[]> {
  // On PostgreSQL, name the schema: otherwise Kysely finds its migration tables in any schema of the database
  // (another Coffer, another test run) and skips creating them in this one.
  const migrationTableSchema =
    store === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0].schema : undefined;
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(store), migrationTableSchema });
  let { error, results } = await run(migrator);
  // Kysely looks for its own tables by listing every schema's tables; on PostgreSQL a schema that another deployment
  // (or test run) drops during the listing fails it before any migration ran. Nothing was applied: list again.
  for (let attempt = 1; error && !results?.length && isConcurrentCatalogChange(error) && attempt <= catalogRetriesMax; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    ({ error, results } = await run(migrator));
  }
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String((error as Error).message ?? error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
