// The ordered, append-only list of schema migrations, one file per change; run on start and by `coffer migrate`.
// A new change is a new file (NNNN_name.ts) added at the end of `migrationFiles`; an applied file is never edited.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { StoreKind } from '../../config/config.ts';
import * as core from './0001_core.ts';
import * as jobs from './0003_jobs.ts';
import type { MigrationContext } from './migration.ts';

interface MigrationFile {
  up(db: Kysely<any>, context: MigrationContext): Promise<void>;
}

/** Applied in this order; names sort in the same order, as Kysely's migrator requires. */
export const migrationFiles: ReadonlyArray<readonly [name: string, file: MigrationFile]> = [
  ['0001_core', core],
  ['0003_jobs', jobs],
];

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly store: StoreKind) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const context = { store: this.store };
    return Object.fromEntries(migrationFiles.map(([name, file]) => [name, { up: (db: Kysely<any>) => file.up(db, context) }]));
  }
}

/** Applies every pending migration; throws with the failing migration's name and error. */
export async function migrateToLatest(db: Kysely<any>, store: StoreKind): Promise<string[]> {
  // On PostgreSQL, name the schema: otherwise Kysely finds its migration tables in any schema of the database
  // (another Coffer, another test run) and skips creating them in this one.
  const migrationTableSchema =
    store === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0].schema : undefined;
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(store), migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String((error as Error).message ?? error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
