// `coffer restore`: checks that a file is a Coffer SQLite backup, then puts it in place of a store no process has open.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../config/config.ts';
import { migrationFiles } from '../db/migrations/index.ts';
import { fsyncPath, sqliteSideFiles } from './sqlite-backup.ts';
import { lockSqliteStore } from './sqlite-lock.ts';

export type RestoreResult = { ok: true; file: string; replaced: boolean; migrations: string[] } | { ok: false; message: string };

export const postgresRestoreMessage =
  'coffer restore writes SQLite stores only; for PostgreSQL use pg_restore, or recover from a base backup and WAL ' +
  '(docs/operations.md, "Backup and restore")';

const requiredTables = ['kysely_migration', 'businesses', 'api_keys', 'customers', 'wallets', 'ledger_entries'];

/** Why the SQLite file is not a Coffer database this Coffer can open, or the migrations it holds. */
export function checkCofferBackup(file: string): { ok: true; migrations: string[] } | { ok: false; message: string } {
  let database: SQLite.Database;
  try {
    database = new SQLite(file, { fileMustExist: true });
  } catch (error) {
    return { ok: false, message: `cannot open ${file} as SQLite: ${(error as Error).message}` };
  }
  try {
    const integrity = database.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return { ok: false, message: `${file} fails SQLite's integrity_check: ${String(integrity)}` };
    const tables = new Set(
      database.prepare(`select name from sqlite_master where type = 'table'`).pluck().all() as string[],
    );
    const absent = requiredTables.filter((table) => !tables.has(table));
    if (absent.length > 0) return { ok: false, message: `${file} is not a Coffer database (no table ${absent.join(', ')})` };
    const migrations = database.prepare('select name from kysely_migration order by name').pluck().all() as string[];
    const known = new Set(migrationFiles.map(([name]) => name));
    const unknown = migrations.filter((name) => !known.has(name));
    if (unknown.length > 0) return { ok: false, message: `${file} was written by a newer Coffer (migrations ${unknown.join(', ')})` };
    if (!migrations.includes(migrationFiles[0][0])) return { ok: false, message: `${file} is not a Coffer database (no migration ${migrationFiles[0][0]})` };
    // Fold any WAL into the file, so that the copy put in place is one self-contained file.
    database.pragma('wal_checkpoint(TRUNCATE)');
    return { ok: true, migrations };
  } catch (error) {
    return { ok: false, message: `${file} is not a readable Coffer database: ${(error as Error).message}` };
  } finally {
    database.close();
  }
}

export function restoreSqliteStore(config: Config, backup: string, options: { force?: boolean } = {}): RestoreResult {
  if (config.store !== 'sqlite') return { ok: false, message: postgresRestoreMessage };
  const source = path.resolve(backup);
  const target = config.databaseUrl;
  if (!fs.existsSync(source) || !fs.statSync(source).isFile()) return { ok: false, message: `no backup file at ${source}` };
  if (source === target) return { ok: false, message: 'the backup file is the database itself' };
  const replacing = fs.existsSync(target);

  // Refuse before copying anything: a running Coffer is the one thing a restore must never pull the file from under.
  if (replacing) {
    const probe = lockSqliteStore(target);
    if (!probe.ok) return { ok: false, message: `refusing to restore: ${probe.reason}` };
    probe.release();
    if (!options.force) {
      return { ok: false, message: `refusing to restore: ${target} already exists; pass --force to replace it (back it up first: its content is lost)` };
    }
  }

  // Copy next to the target (same file system, so the final rename is atomic), then check the copy itself.
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staged = `${target}.restore-${process.pid}`;
  const cleanUp = () => [staged, ...sqliteSideFiles(staged)].forEach((file) => fs.rmSync(file, { force: true }));
  cleanUp();
  fs.copyFileSync(source, staged);
  if (fs.existsSync(`${source}-wal`)) fs.copyFileSync(`${source}-wal`, `${staged}-wal`);
  const check = checkCofferBackup(staged);
  if (!check.ok) {
    cleanUp();
    return { ok: false, message: `refusing to restore: ${check.message.replaceAll(staged, source)}` };
  }
  fsyncPath(staged);

  // Check again just before the swap (copying and checking a large backup takes a while).
  if (replacing) {
    const lock = lockSqliteStore(target);
    if (!lock.ok) {
      cleanUp();
      return { ok: false, message: `refusing to restore: ${lock.reason}` };
    }
    lock.release(); // the last connection to close folds the old WAL into the old file and deletes it
  }
  for (const stale of sqliteSideFiles(target)) fs.rmSync(stale, { force: true });
  fs.renameSync(staged, target);
  fsyncPath(path.dirname(target));
  return { ok: true, file: target, replaced: replacing, migrations: check.migrations };
}
