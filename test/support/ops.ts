// Helpers for the operator's-tools suites: run the `coffer` command as a child, and corrupt a store with raw SQL.
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { TestDatabase } from './stores.ts';

const cofferBin = fileURLToPath(new URL('../../bin/coffer.js', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/coffer.js …args` with only PATH, HOME and the given environment. */
export function runCoffer(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cofferBin, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd: os.tmpdir(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

export interface Corruption {
  /** Statements to run, in order (plain SQL both stores accept; values written inline). */
  sql: string[];
  /** Drop the CHECK constraints first (SQLite: ignore_check_constraints; PostgreSQL: drop them in this test's schema). */
  ignoreChecks?: boolean;
  /** Write past the foreign keys (SQLite: foreign_keys=OFF; PostgreSQL: session_replication_role=replica). */
  ignoreForeignKeys?: boolean;
}

/** Corrupts a test database behind Coffer's back, as a broken tool or a bad manual fix would. */
export async function corrupt(database: TestDatabase, corruption: Corruption): Promise<void> {
  if (database.kind === 'sqlite') {
    const db = new SQLite(database.env.DATABASE_URL);
    try {
      db.pragma(`foreign_keys = ${corruption.ignoreForeignKeys ? 'OFF' : 'ON'}`);
      db.pragma(`ignore_check_constraints = ${corruption.ignoreChecks ? 'ON' : 'OFF'}`);
      for (const statement of corruption.sql) db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const schema = database.env.COFFER_DB_SCHEMA;
  const client = new pg.Client({ connectionString: database.env.DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    if (corruption.ignoreChecks) {
      const checks = await client.query<{ table: string; name: string }>(
        `select c.conrelid::regclass::text as table, c.conname as name from pg_constraint c
         join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.contype = 'c'`,
        [schema],
      );
      for (const check of checks.rows) await client.query(`alter table ${check.table} drop constraint "${check.name}"`);
    }
    if (corruption.ignoreForeignKeys) await client.query('set session_replication_role = replica');
    for (const statement of corruption.sql) await client.query(statement);
  } finally {
    await client.end();
  }
}
