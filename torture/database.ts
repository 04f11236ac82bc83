// The torture run's own database: a fresh SQLite file or PostgreSQL schema, and a direct handle for the final checks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { StoreKind } from '../src/config/config.ts';
import type { Database } from '../src/db/schema.ts';
import { dropPostgresSchema } from '../test/support/stores.ts';

export interface TortureDatabase {
  kind: StoreKind;
  /** Where it is, for the summary: a file path or `<url> schema <name>`. */
  location: string;
  /** Environment pointing `coffer serve` at it. */
  env: Record<string, string>;
  /** A direct connection that bypasses Coffer, for the checks (read only by convention). */
  open(): Kysely<Database>;
  drop(): Promise<void>;
}

/** pg returns int8 as text; every amount in Coffer is a safe integer, and anything else is a finding. */
function safeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`database integer ${text} is outside the safe range`);
  return value;
}

export function freshDatabase(kind: StoreKind, postgresUrl: string, label: string): TortureDatabase {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `coffer-torture-${label}-`));
    const file = path.join(dir, 'coffer.db');
    return {
      kind,
      location: file,
      env: { DATABASE_URL: file },
      open: () => new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(file, { readonly: true }) }) }),
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `torture_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${Date.now().toString(36)}`;
  return {
    kind,
    location: `${postgresUrl.replace(/\/\/[^@]*@/, '//')} schema ${schema}`,
    env: { DATABASE_URL: postgresUrl, COFFER_DB_SCHEMA: schema },
    open: () =>
      new Kysely<Database>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({
            connectionString: postgresUrl,
            max: 2,
            options: `-c search_path=${schema}`,
            types: {
              getTypeParser: (oid: number, format?: 'text' | 'binary') =>
                oid === 20 || oid === 1700 ? safeInteger : pg.types.getTypeParser(oid, format as 'text'),
            },
          }),
        }),
      }),
    drop: () => dropPostgresSchema(postgresUrl, schema),
  };
}
