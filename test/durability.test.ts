// Coffer refuses to start on settings that can lose acknowledged commits, unless COFFER_ALLOW_NON_DURABLE=true (then it warns).
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { DurabilityError, openStore, postgresDurabilityProblem } from '../src/db/database.ts';
import { randomBase62 } from '../src/shared/ids.ts';
import { type ChildServer, logLines, startServe } from './support/child-server.ts';
import { type TestDatabase, createTestDatabase, testPostgresUrl } from './support/stores.ts';

const apiKey = 'durability-test-key-0123456789';
const warnLevel = 40;

/** Starts `coffer serve`; if it listens, stops it with SIGTERM. Returns the exit and everything it printed. */
async function serveOnce(env: Record<string, string>): Promise<{ listened: boolean; code: number | null; output: string }> {
  const server: ChildServer = await startServe({ COFFER_BOOTSTRAP_API_KEY: apiKey, ...env });
  try {
    if (server.baseUrl !== null) server.child.kill('SIGTERM');
    const exit = await server.exited;
    return { listened: server.baseUrl !== null, code: exit.code, output: server.output() };
  } finally {
    server.kill();
  }
}

const warnings = (output: string) => logLines(output).filter((line) => line.level === warnLevel).map((line) => line.msg);

describe('durability settings', () => {
  it('accepts the SQLite synchronous levels and nothing else', () => {
    expect(loadConfig({}).sqliteSynchronous).toBe('FULL');
    expect(loadConfig({ COFFER_SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('NORMAL');
    expect(() => loadConfig({ COFFER_SQLITE_SYNCHRONOUS: 'FAST' })).toThrow(ConfigError);
  });

  it('names what makes PostgreSQL non-durable', () => {
    expect(postgresDurabilityProblem({ fsync: 'on', synchronous_commit: 'on' })).toBeNull();
    expect(postgresDurabilityProblem({ fsync: 'on', synchronous_commit: 'local' })).toBeNull();
    expect(postgresDurabilityProblem({ fsync: 'off', synchronous_commit: 'on' })).toMatch(/fsync=off/);
    expect(postgresDurabilityProblem({ fsync: 'off', synchronous_commit: 'off' })).toMatch(/fsync=off, synchronous_commit=off/);
  });
});

describe('durability refusal [sqlite]', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => database?.drop());

  it('coffer serve exits non-zero with a clear message below synchronous=FULL', async () => {
    const run = await serveOnce({ ...database.env, COFFER_SQLITE_SYNCHRONOUS: 'NORMAL' });
    expect(run.listened).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain('coffer: SQLite is not durable: journal_mode=wal, synchronous=NORMAL');
    expect(run.output).toContain('set COFFER_ALLOW_NON_DURABLE=true to start anyway');
  });

  it('starts with a warning when COFFER_ALLOW_NON_DURABLE=true', async () => {
    const run = await serveOnce({ ...database.env, COFFER_SQLITE_SYNCHRONOUS: 'OFF', COFFER_ALLOW_NON_DURABLE: 'true' });
    expect(run.listened, run.output).toBe(true);
    expect(run.code).toBe(0);
    expect(warnings(run.output)).toEqual([
      expect.stringMatching(/^SQLite is not durable: .*synchronous=OFF.*starting anyway because COFFER_ALLOW_NON_DURABLE is set$/),
    ]);
  });

  it('starts without a warning at FULL (the default) and EXTRA', async () => {
    const run = await serveOnce({ ...database.env });
    expect(run.listened, run.output).toBe(true);
    expect(warnings(run.output)).toEqual([]);
    const opened = logLines(run.output).find((line) => line.msg === 'store opened');
    expect(opened?.durability).toEqual({ store: 'sqlite', journal_mode: 'wal', synchronous: 'FULL' });

    const extra = await openStore(loadConfig({ ...database.env, COFFER_SQLITE_SYNCHRONOUS: 'EXTRA' }));
    expect(extra.durability.synchronous).toBe('EXTRA');
    await extra.close();
  });
});

describe('durability refusal [postgres]', () => {
  // A role whose sessions default to synchronous_commit=off, as `ALTER ROLE … SET` leaves it.
  const role = `coffer_async_${randomBase62(10).toLowerCase()}`;
  const schema = `t_${randomBase62(12).toLowerCase()}`;
  const roleUrl = testPostgresUrl.replace(/\/\/[^@/]*@/, `//${role}@`);
  const admin = async (statements: string[]) => {
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    expect(roleUrl).toContain(`//${role}@`);
    await admin([
      `create role "${role}" login`,
      `alter role "${role}" set synchronous_commit = off`,
      `grant create on database "${new URL(testPostgresUrl).pathname.slice(1)}" to "${role}"`,
    ]);
  });
  afterAll(async () => {
    await admin([`drop schema if exists "${schema}" cascade`, `drop owned by "${role}" cascade`, `drop role if exists "${role}"`]);
  });

  it('coffer serve exits non-zero when the role defaults to synchronous_commit=off', async () => {
    const run = await serveOnce({ DATABASE_URL: roleUrl, COFFER_DB_SCHEMA: schema });
    expect(run.listened).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain('coffer: PostgreSQL is not durable: synchronous_commit=off for sessions opened with DATABASE_URL');
    expect(run.output).toContain('set COFFER_ALLOW_NON_DURABLE=true to start anyway');
  });

  it('starts with a warning when allowed, and its own sessions still commit with synchronous_commit=on', async () => {
    const env = { DATABASE_URL: roleUrl, COFFER_DB_SCHEMA: schema, COFFER_ALLOW_NON_DURABLE: 'true' };
    const run = await serveOnce(env);
    expect(run.listened, run.output).toBe(true);
    expect(run.code).toBe(0);
    expect(warnings(run.output)).toEqual([
      expect.stringMatching(/^PostgreSQL is not durable: synchronous_commit=off .*starting anyway because COFFER_ALLOW_NON_DURABLE is set$/),
    ]);
    const opened = logLines(run.output).find((line) => line.msg === 'store opened');
    expect(opened?.durability).toMatchObject({ synchronous_commit: 'off', coffer_session_synchronous_commit: 'on', fsync: 'on' });

    // The same, in process: a plain session of this role gets off; every session of Coffer's pool gets on.
    const store = await openStore(loadConfig(env));
    try {
      const sessions = await Promise.all(
        Array.from({ length: 3 }, () =>
          store.db.connection().execute(async (db) => (await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(db)).rows[0].value),
        ),
      );
      expect(sessions).toEqual(['on', 'on', 'on']);
      const plain = new pg.Client({ connectionString: roleUrl });
      await plain.connect();
      expect((await plain.query('show synchronous_commit')).rows[0].synchronous_commit).toBe('off');
      await plain.end();
    } finally {
      await store.close();
    }
  });

  it('reads the setting a DATABASE_URL session gets, connection-string options included', async () => {
    const url = `${testPostgresUrl}${testPostgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c synchronous_commit=off')}`;
    const refused = await openStore(loadConfig({ DATABASE_URL: url, COFFER_DB_SCHEMA: schema })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DurabilityError);
    expect((refused as Error).message).toContain('synchronous_commit=off');
  });

  it('starts without a warning on a durable server', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const run = await serveOnce(database.env);
      expect(run.listened, run.output).toBe(true);
      expect(warnings(run.output)).toEqual([]);
      const opened = logLines(run.output).find((line) => line.msg === 'store opened');
      expect(opened?.durability).toMatchObject({ fsync: 'on', synchronous_commit: 'on', coffer_session_synchronous_commit: 'on' });
    } finally {
      await database.drop();
    }
  });
});
