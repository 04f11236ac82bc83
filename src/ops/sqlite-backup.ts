// `coffer backup`: a consistent online copy of a SQLite store with SQLite's backup API, while Coffer keeps serving.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../config/config.ts';

export type BackupResult = { ok: true; file: string; pages: number; bytes: number } | { ok: false; message: string };

/** Pages copied per step (4 MB with 4 KiB pages): small enough for a smooth progress bar. */
const pagesPerStep = 1024;

export const postgresBackupMessage =
  'coffer backup copies SQLite stores only; for PostgreSQL use pg_dump / pg_restore or base backups with WAL archiving ' +
  '(docs/operations.md, "Backup and restore")';

/** Files SQLite keeps beside a database in WAL mode. */
export const sqliteSideFiles = (file: string) => [`${file}-wal`, `${file}-shm`, `${file}-journal`];

export function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export async function backupSqliteStore(
  config: Config,
  target: string,
  options: { force?: boolean; onProgress?: (pagesDone: number, pagesTotal: number) => void } = {},
): Promise<BackupResult> {
  if (config.store !== 'sqlite') return { ok: false, message: postgresBackupMessage };
  const source = config.databaseUrl;
  const file = path.resolve(target);
  if (!fs.existsSync(source)) return { ok: false, message: `no database at ${source} (set DATABASE_URL)` };
  if (file === source) return { ok: false, message: 'the backup file must not be the database itself' };
  if (!fs.existsSync(path.dirname(file))) return { ok: false, message: `directory ${path.dirname(file)} does not exist` };
  if (fs.existsSync(file) && !options.force) return { ok: false, message: `${file} already exists; pass --force to replace it` };

  const partial = `${file}.partial-${process.pid}`;
  for (const stale of [partial, ...sqliteSideFiles(partial)]) fs.rmSync(stale, { force: true });
  const database = new SQLite(source, { fileMustExist: true, timeout: 5000 });
  let pages = 0;
  try {
    // An open read transaction pins one snapshot: every step copies from it, so commits made meanwhile by Coffer
    // neither restart the backup (as they would between steps otherwise) nor make the copy inconsistent.
    database.exec('BEGIN');
    database.prepare('select count(*) from sqlite_master').get();
    const done = await database.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        options.onProgress?.(totalPages - remainingPages, totalPages);
        return pagesPerStep;
      },
    });
    pages = done.totalPages;
    options.onProgress?.(pages, pages);
    database.exec('COMMIT');
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    database.close();
  }

  const check = new SQLite(partial, { fileMustExist: true });
  let quickCheck: unknown;
  try {
    quickCheck = check.pragma('quick_check', { simple: true });
    check.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    check.close();
  }
  if (quickCheck !== 'ok') {
    fs.rmSync(partial, { force: true });
    return { ok: false, message: `the copy failed SQLite's quick_check (${String(quickCheck)}); nothing was written to ${file}` };
  }
  fsyncPath(partial);
  for (const stale of sqliteSideFiles(file)) fs.rmSync(stale, { force: true });
  fs.renameSync(partial, file);
  fsyncPath(path.dirname(file));
  return { ok: true, file, pages, bytes: fs.statSync(file).size };
}
