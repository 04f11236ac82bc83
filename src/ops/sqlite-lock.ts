// Whether any process has a SQLite store open, found by taking the database's exclusive lock with no waiting.
import SQLite from 'better-sqlite3';

export type StoreLock = { ok: true; release(): void } | { ok: false; reason: string };

/**
 * In WAL mode every open connection (a running Coffer, idle or busy) holds a shared lock on the database file.
 * A connection in `locking_mode=EXCLUSIVE` must take the file's exclusive lock on its first transaction, and with a
 * busy timeout of 0 it fails at once (SQLITE_BUSY) while any other connection is open. Once taken, the lock is kept
 * until `release()`: no Coffer can open the store meanwhile (it gets SQLITE_BUSY after its own busy timeout).
 */
export function lockSqliteStore(file: string): StoreLock {
  const database = new SQLite(file, { fileMustExist: true, timeout: 0 });
  try {
    database.pragma('locking_mode = EXCLUSIVE');
    database.exec('BEGIN EXCLUSIVE');
    database.exec('COMMIT');
    return { ok: true, release: () => database.close() };
  } catch (error) {
    database.close();
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return { ok: false, reason: `${file} is open in another process (a running Coffer?): stop it first` };
    }
    throw error;
  }
}
