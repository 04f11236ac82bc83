// `coffer backup` under write load from a real `coffer serve`, `coffer restore` into a fresh path, verify on the copy, and the refusals.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ChildServer, call, startServe } from './support/child-server.ts';
import { runCoffer } from './support/ops.ts';
import { type TestDatabase, createTestDatabase, storeKinds } from './support/stores.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const apiKey = 'backup-test-key-0123456789abcdef';
const clients = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hasCommand = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  expect(result.status, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
}
const entryCount = (file: string) => {
  const db = new SQLite(file, { readonly: true });
  try {
    return (db.prepare('select count(*) as n from ledger_entries').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe.each(storeKinds)('coffer backup and restore [%s]', (kind) => {
  // A test of one store only is registered on that store only (a skipped test would read as a skipped PostgreSQL half).
  const on = (store: typeof kind) => (kind === store ? it : (((..._args: unknown[]) => undefined) as unknown as typeof it));
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-backup-'));
  });
  afterAll(async () => {
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  on('postgres')('refuse on PostgreSQL, pointing to the documented pg_dump / PITR procedure', async () => {
    const backup = await runCoffer(['backup', path.join(dir, 'pg.db')], database.env);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/SQLite stores only; for PostgreSQL use pg_dump .*docs\/operations\.md/);
    const restore = await runCoffer(['restore', path.join(dir, 'pg.db')], database.env);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(/for PostgreSQL use pg_restore.*docs\/operations\.md/);
    expect(fs.existsSync(path.join(dir, 'pg.db'))).toBe(false);
  });

  on('postgres')('the documented pg_dump / pg_restore commands bring a schema back that verifies', async () => {
    if (!hasCommand('pg_dump') || !hasCommand('pg_restore')) {
      console.info('pg_dump / pg_restore not installed: the PostgreSQL drill is not run');
      return;
    }
    expect((await runCoffer(['demo', '--customers', '15', '--months', '2'], database.env)).code).toBe(0);
    const schema = database.env.COFFER_DB_SCHEMA;
    const url = database.env.DATABASE_URL;
    const counts = async () => JSON.parse((await runCoffer(['verify', '--json'], database.env)).stdout).rows as Record<string, number>;
    const before = await counts();
    const dump = path.join(dir, 'coffer.dump');
    // The three commands of docs/operations.md, "Backup and restore", PostgreSQL.
    run('pg_dump', ['--format=custom', `--schema=${schema}`, `--file=${dump}`, url]);
    run('psql', [url, '-q', '-c', `drop schema if exists "${schema}" cascade`]);
    run('pg_restore', [`--dbname=${url}`, dump]);
    const verify = await runCoffer(['verify'], database.env);
    expect(verify.stdout).toContain('verify: OK, no findings');
    expect(verify.code).toBe(0);
    expect(await counts()).toEqual(before);
    expect(before.ledger_entries).toBeGreaterThan(15);
  });

  on('sqlite')('back up while coffer serve takes writes, restore, verify the copy; restore refuses a running store', async () => {
    // The rollup job off: its own writes after the load would change the file's mtime that the refusal check reads.
    const server: ChildServer = await startServe({ ...database.env, COFFER_BOOTSTRAP_API_KEY: apiKey, COFFER_LOG_LEVEL: 'warn', COFFER_RATE_LIMIT_PER_SECOND: '0', COFFER_ROLLUP_INTERVAL_MS: '0' });
    const backupFile = path.join(dir, 'backup.db');
    const restored = path.join(dir, 'restored', 'coffer.db');
    try {
      expect(server.baseUrl, server.output()).not.toBeNull();
      const base = server.baseUrl!;
      const customers: string[] = [];
      for (let i = 0; i < 10; i++) {
        const created = await call(`${base}/customers`, { key: apiKey, body: { email: `load${i}@example.com`, name: `Load ${i}` } });
        expect(created.kind === 'response' && created.status, JSON.stringify(created)).toBe(200);
        customers.push(JSON.parse((created as { body: string }).body).customer_id);
      }
      // Write load: credits and debits with idempotency keys, recording when each was acknowledged.
      let stop = false;
      const acknowledgedAt: number[] = [];
      const load = Array.from({ length: clients }, async (_, client) => {
        for (let n = 0; !stop; n++) {
          const customer = customers[(client + n) % customers.length];
          const entryType = n % 4 === 3 ? 'debit' : 'credit';
          const answer = await call(`${base}/customers/${customer}/wallets/ledger-entries`, {
            key: apiKey,
            body: { amount: entryType === 'debit' ? 50 : 100, currency: n % 2 ? 'INR' : 'USD', entry_type: entryType, idempotency_key: `c${client}-${n}` },
          });
          if (answer.kind === 'response' && answer.status === 200) acknowledgedAt.push(answer.atMs);
        }
      });
      await sleep(1000);
      const backupStartMs = performance.now();
      const acknowledgedBeforeBackup = acknowledgedAt.length;
      const backup = await runCoffer(['backup', backupFile], database.env);
      const backupEndMs = performance.now();
      await sleep(500);
      stop = true;
      await Promise.all(load);

      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(/^backup: wrote .*backup\.db \(\d+ pages, \d+ bytes\)$/m);
      expect(acknowledgedBeforeBackup).toBeGreaterThan(20);
      expect(acknowledgedAt.filter((at) => at > backupStartMs && at < backupEndMs).length, 'writes went on during the backup').toBeGreaterThan(0);
      // The copy is one moment of the store: everything acknowledged before the backup started, nothing after it ended.
      const copied = entryCount(backupFile);
      expect(copied).toBeGreaterThanOrEqual(acknowledgedBeforeBackup);
      expect(copied).toBeLessThanOrEqual(acknowledgedAt.filter((at) => at < backupEndMs).length);

      const restore = await runCoffer(['restore', backupFile], { DATABASE_URL: restored });
      expect(restore.stderr).toBe('');
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain(`restore: created ${restored}`);
      const verify = await runCoffer(['verify'], { DATABASE_URL: restored });
      expect(verify.stdout).toContain('verify: OK, no findings');
      expect(verify.stdout).toContain(`ledger_entries ${copied}`);
      expect(verify.code).toBe(0);

      // The running server's store: refused with or without --force, and the file is untouched.
      const before = fs.statSync(database.env.DATABASE_URL).mtimeMs;
      for (const args of [['restore', backupFile], ['restore', backupFile, '--force']]) {
        const refused = await runCoffer(args, database.env);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`refusing to restore: ${database.env.DATABASE_URL} is open in another process (a running Coffer?)`);
      }
      expect(fs.statSync(database.env.DATABASE_URL).mtimeMs).toBe(before);
      expect((await call(`${base}/healthz`)).kind).toBe('response');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      server.kill();
    }

    // Stopped: an existing store still needs --force; with it, the store becomes the backup.
    const existing = await runCoffer(['restore', backupFile], database.env);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain('already exists; pass --force to replace it');
    const replaced = await runCoffer(['restore', backupFile, '--force'], database.env);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain(`restore: replaced ${database.env.DATABASE_URL}`);
    expect(entryCount(database.env.DATABASE_URL)).toBe(entryCount(backupFile));
    expect((await runCoffer(['verify'], database.env)).code).toBe(0);
  });

  on('sqlite')('refuse what is not a Coffer backup, and do not overwrite a backup file by accident', async () => {
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'not a database at all, just some text that is long enough to look like something\n'.repeat(100));
    const other = path.join(dir, 'other.db');
    new SQLite(other).exec('create table t (x)');
    const target = { DATABASE_URL: path.join(dir, 'fresh', 'coffer.db') };
    const notSqlite = await runCoffer(['restore', text], target);
    expect(notSqlite.code).toBe(2);
    expect(notSqlite.stderr).toMatch(/refusing to restore: .*notes\.txt (is not a readable Coffer database|fails SQLite's integrity_check)/);
    const notCoffer = await runCoffer(['restore', other], target);
    expect(notCoffer.code).toBe(2);
    expect(notCoffer.stderr).toContain(`refusing to restore: ${other} is not a Coffer database (no table kysely_migration`);
    expect(fs.readdirSync(path.join(dir, 'fresh'))).toEqual([]);

    const again = await runCoffer(['backup', path.join(dir, 'backup.db')], database.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; pass --force to replace it');
    expect((await runCoffer(['backup', path.join(dir, 'backup.db'), '--force'], database.env)).code).toBe(0);
  });
});
