// Opens the store (SQLite file or PostgreSQL), enforces durable settings, and returns one Kysely handle for both.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config, StoreKind } from '../config/config.ts';
import type { Database } from './schema.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';

interface StoreBase {
  readonly kind: StoreKind;
  readonly db: Kysely<Database>;
  /** The durability settings in force, as read back from the store (printed by benchmarks and logs). */
  readonly durability: Record<string, string>;
  close(): Promise<void>;
}

/** Kysely for every query; the raw connection too, for the ledger writer's statements prepared once. */
export type Store = StoreBase & ({ readonly kind: 'sqlite'; readonly sqlite: SQLite.Database } | { readonly kind: 'postgres'; readonly pool: pg.Pool });

export class DurabilityError extends Error {}

interface Logger {
  warn(object: object, message: string): void;
}

const int8Oid = 20;
const numericOid = 1700;

/** pg returns int8 as strings; Coffer bounds every amount and balance to the safe-integer range, so numbers are exact. */
function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`integer ${text} is outside the safe range`);
  return value;
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8Oid || oid === numericOid) return parseSafeInteger;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function openStore(config: Config, logger?: Logger): Promise<Store> {
  return config.store === 'postgres' ? openPostgres(config, logger) : openSqlite(config, logger);
}

async function openSqlite(config: Config, logger?: Logger): Promise<Store> {
  fs.mkdirSync(path.dirname(config.databaseUrl), { recursive: true });
  const database = new SQLite(config.databaseUrl);
  database.pragma('journal_mode = WAL');
  // better-sqlite3 leaves WAL databases at NORMAL, which can lose the last commits on power loss: set FULL explicitly.
  // (COFFER_SQLITE_SYNCHRONOUS can lower it, for tests of the refusal below only.)
  database.pragma(`synchronous = ${config.sqliteSynchronous}`);
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Checkpoint every ~16 MB of WAL rather than every 4 MB: a page rewritten by many commits is copied back once.
  database.pragma('wal_autocheckpoint = 4000');
  // SQLite's lower() folds only ASCII; the customer name and email filters need Unicode case folding, as on PostgreSQL.
  database.function('lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
  const journalMode = String(database.pragma('journal_mode', { simple: true }));
  const synchronous = Number(database.pragma('synchronous', { simple: true }));
  const synchronousName = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][synchronous] ?? String(synchronous);
  const durability = { store: 'sqlite', journal_mode: journalMode, synchronous: synchronousName };
  if (journalMode !== 'wal' || synchronous < 2) {
    const problem = `SQLite is not durable: journal_mode=${journalMode}, synchronous=${synchronousName} (need wal and FULL or EXTRA)`;
    if (!config.allowNonDurable) {
      database.close();
      throw new DurabilityError(`${problem}; set COFFER_ALLOW_NON_DURABLE=true to start anyway`);
    }
    logger?.warn({ durability }, `${problem}; starting anyway because COFFER_ALLOW_NON_DURABLE is set`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  const checkpointer =
    config.sqliteCheckpointIntervalMs > 0
      ? startCheckpointer(config.databaseUrl, { intervalMs: config.sqliteCheckpointIntervalMs, synchronous: config.sqliteSynchronous })
      : null;
  const close = async () => {
    await checkpointer?.stop();
    await db.destroy();
  };
  return { kind: 'sqlite', db, sqlite: database, durability, close };
}

/** Prepared SQLite statements kept for reuse (least recently used dropped first), and the longest SQL text kept. */
const sqliteStatementsMax = 64;
const sqliteCachedSqlLengthMax = 1000;

/**
 * Kysely's SQLite driver prepares every query afresh, which costs more than running the small ones (~10% of a
 * read's CPU). Keep the few short statement shapes prepared: reads, and the batch statements of small batches.
 * Long multi-row statements are not kept: they are cheap to prepare next to running them, and each costs ~150 kB
 * prepared. Kysely only calls all() and run() on them, which finish before the next call, so sharing is safe.
 */
function withStatementCache(database: SQLite.Database): { close(): void; prepare(sql: string): SQLite.Statement } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      if (sqlText.length > sqliteCachedSqlLengthMax) return database.prepare(sqlText);
      let statement = statements.get(sqlText);
      if (statement) {
        statements.delete(sqlText);
      } else {
        statement = database.prepare(sqlText);
        if (statements.size >= sqliteStatementsMax) statements.delete(statements.keys().next().value!);
      }
      statements.set(sqlText, statement);
      return statement;
    },
  };
}

async function openPostgres(config: Config, logger?: Logger): Promise<Store> {
  const schema = config.databaseSchema;
  const bootstrap = new pg.Client({ connectionString: config.databaseUrl });
  await bootstrap.connect();
  let durability: Record<string, string>;
  try {
    try {
      await bootstrap.query(`create schema if not exists "${schema}"`);
    } catch (error) {
      // Two processes creating one schema at once can race; the loser finds it created.
      if (!String((error as Error).message).includes('already exists')) throw error;
    }
    // pg_settings shows this session's values: the server's, then ALTER DATABASE / ALTER ROLE ... SET, then the
    // connection string's options, i.e. what any session opened with DATABASE_URL gets unless it overrides them.
    const settings = await bootstrap.query<{ name: string; setting: string }>(
      `select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes')`,
    );
    durability = { store: 'postgres', ...Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])) };
  } finally {
    await bootstrap.end();
  }
  refuseOrWarn(postgresDurabilityProblem(durability), durability, config, logger);

  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.databasePoolSizeMax,
    types: pgTypes,
    // Every Coffer session uses Coffer's schema and durable commits, whatever the server, database or role default.
    // Custom plans only: the writer's named statements take arrays whose sizes vary per batch, and a cached generic
    // plan (chosen while a table was small) turned an index lookup into a scan of a growing table in bench runs.
    options: `-c search_path=${schema} -c synchronous_commit=on -c plan_cache_mode=force_custom_plan`,
  });
  pool.on('error', (error) => logger?.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Read back what Coffer's own sessions got (a pooler in between could drop the startup options).
    const session = await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(db);
    durability.coffer_session_synchronous_commit = session.rows[0].value;
    if (durability.coffer_session_synchronous_commit === 'off') {
      refuseOrWarn('Coffer\'s own PostgreSQL sessions run with synchronous_commit=off', durability, config, logger);
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { kind: 'postgres', db, pool, durability, close: () => db.destroy() };
}

/** Why these PostgreSQL settings can lose an acknowledged commit, or null when they cannot. */
export function postgresDurabilityProblem(durability: Record<string, string>): string | null {
  const unsafe = [];
  if (durability.fsync === 'off') unsafe.push('fsync=off');
  if (durability.synchronous_commit === 'off') unsafe.push('synchronous_commit=off');
  return unsafe.length === 0 ? null : `PostgreSQL is not durable: ${unsafe.join(', ')} for sessions opened with DATABASE_URL`;
}

function refuseOrWarn(problem: string | null, durability: Record<string, string>, config: Config, logger?: Logger): void {
  if (problem === null) return;
  if (!config.allowNonDurable) throw new DurabilityError(`${problem}; set COFFER_ALLOW_NON_DURABLE=true to start anyway`);
  logger?.warn({ durability }, `${problem}; starting anyway because COFFER_ALLOW_NON_DURABLE is set`);
}
