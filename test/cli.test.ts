// The `coffer` command as a user runs it: child processes of `node bin/coffer.js` on both stores, and `coffer serve` end to end.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../bench/processes.ts';
import { findApiKeyByHash, hashApiKey, listBusinesses, revokeApiKey } from '../src/businesses/business-service.ts';
import { systemClock } from '../src/shared/clock.ts';
import { randomBase62 } from '../src/shared/ids.ts';
import { type TestDatabase, createTestDatabase, openTestStore, storeKinds } from './support/stores.ts';

const cofferBin = fileURLToPath(new URL('../bin/coffer.js', import.meta.url));

// Each child process runs the compiled dist/ (or, when it is missing or stale, the sources through tsx: 1–2 s of CPU);
// on a busy 2-core machine a test that starts several of them needs more than the suite's default minute.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** A clean environment: nothing from the test runner's own PORT, DATABASE_URL or COFFER_* leaks into the child. */
const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra });

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>, cwd = os.tmpdir()): Promise<Finished> {
  return new Promise((resolve) => {
    execFile('node', [cofferBin, ...args], { env: childEnv(env), cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

async function runJson<T = any>(args: string[], env: Record<string, string>, cwd?: string): Promise<T> {
  const result = await runCli(args, env, cwd);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface Server {
  baseUrl: string;
  /** The key the banner printed, or null when it printed how to create one. */
  apiKey: string | null;
  curl: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `coffer serve [args]` and resolves once its banner is out. */
function startServe(env: Record<string, string>, cwd = os.tmpdir(), args: string[] = []): Promise<Server> {
  const child = spawn('node', [cofferBin, 'serve', ...args], { env: childEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`coffer serve printed no banner within 30 s:\n${stdout}\n${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then((code) => reject(new Error(`coffer serve exited with ${code} before its banner:\n${stdout}\n${stderr}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = /Coffer is listening on (http:\/\/\S+)/.exec(stdout);
      const curl = /^\s*(curl .*)$/m.exec(stdout);
      if (!listening || !curl) return;
      clearTimeout(timer);
      const key = /^API key: (\S+)$/m.exec(stdout)?.[1] ?? null;
      resolve({
        baseUrl: listening[1],
        apiKey: key === 'create' ? null : key,
        curl: curl[1],
        output: () => stdout + stderr,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      });
    });
  });
}

/** Runs a shell command (the banner's curl example) and returns its standard output. */
function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout: 15_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}


const api = (baseUrl: string, key: string, method: string, url: string, body?: unknown) =>
  fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe.each(storeKinds)('coffer CLI [%s]', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.drop());

  it('coffer migrate applies every migration once', async () => {
    const first = await runJson(['migrate'], database.env);
    expect(first.store).toBe(kind);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(await runJson(['migrate'], database.env)).toEqual({ store: kind, applied: [] });
  });

  it('business create, keys create / list / revoke, and the keys behave so on a served API', async () => {
    const business = await runJson(['business', 'create', '--name', 'Acme Corp'], database.env);
    expect(business).toMatchObject({ business_id: expect.stringMatching(/^bus_/), name: 'Acme Corp', api_key: expect.stringMatching(/^ck_rw_/) });
    const writer = await runJson(['keys', 'create', '--business', business.business_id], database.env);
    expect(writer).toMatchObject({ business_id: business.business_id, access: 'read_write', api_key: expect.stringMatching(/^ck_rw_/) });
    const reader = await runJson(['keys', 'create', '--business', business.business_id, '--read-only'], database.env);
    expect(reader).toMatchObject({ business_id: business.business_id, access: 'read_only', api_key: expect.stringMatching(/^ck_ro_/) });

    const unknown = await runCli(['keys', 'create', '--business', 'bus_doesnotexist'], database.env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('bus_doesnotexist not found');

    const listed = await runCli(['keys', 'list', '--business', business.business_id], database.env);
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(keys.map((k) => k.id).sort()).toEqual([business.api_key_id, writer.api_key_id, reader.api_key_id].sort());
    for (const secret of [business.api_key, writer.api_key, reader.api_key]) expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toContain('key_hash');

    // With the key cache off, a key revoked by the CLI stops working on the running server at once.
    const server = await startServe({ ...database.env, PORT: '0', COFFER_LOG_LEVEL: 'warn', COFFER_API_KEY_CACHE_MS: '0' });
    try {
      const created = await api(server.baseUrl, business.api_key, 'POST', '/customers', { email: 'cli@example.com', name: 'CLI' });
      expect(created.status).toBe(200);
      const customerId = (await created.json()).customer_id as string;
      expect((await api(server.baseUrl, reader.api_key, 'GET', `/customers/${customerId}/wallets`)).status).toBe(200);
      const forbidden = await api(server.baseUrl, reader.api_key, 'POST', '/customers', { email: 'ro@example.com', name: 'RO' });
      expect(forbidden.status).toBe(403);
      expect((await api(server.baseUrl, writer.api_key, 'GET', '/customers')).status).toBe(200);

      expect(await runJson(['keys', 'revoke', writer.api_key_id], database.env)).toEqual({ api_key_id: writer.api_key_id, revoked: true });
      expect((await api(server.baseUrl, writer.api_key, 'GET', '/customers')).status).toBe(401);
      expect((await api(server.baseUrl, business.api_key, 'GET', '/customers')).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('serve with COFFER_BOOTSTRAP_API_KEY creates the default business once, across restarts; banner and curl work; SIGTERM exits 0', async () => {
    const key = `boot_${randomBase62(24)}`;
    const env = { ...database.env, PORT: '0', COFFER_BOOTSTRAP_API_KEY: key };
    const holders = async () => {
      const { store } = await openTestStore(database);
      try {
        const owner = await findApiKeyByHash(store.db, hashApiKey(key));
        const defaults = (await listBusinesses(store.db)).filter((b) => b.name === 'Default business');
        return { owner: owner?.business_id, defaults: defaults.map((b) => b.id) };
      } finally {
        await store.close();
      }
    };

    const first = await startServe(env);
    let customerId: string;
    try {
      expect(first.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.apiKey).toBe(key);
      expect(first.curl).toContain(key);
      const customer = JSON.parse(await shell(first.curl));
      expect(customer).toMatchObject({ customer_id: expect.stringMatching(/^cus_/), email: 'ada@example.com', name: 'Ada' });
      customerId = customer.customer_id;
      const wallets = await (await api(first.baseUrl, key, 'GET', `/customers/${customerId}/wallets`)).json();
      expect(wallets.items).toHaveLength(2);
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    const afterFirst = await holders();
    expect(afterFirst.defaults).toEqual([afterFirst.owner]);

    const second = await startServe(env);
    try {
      expect(second.apiKey).toBe(key);
      expect((await api(second.baseUrl, key, 'GET', `/customers/${customerId}`)).status).toBe(200);
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
    expect(await holders()).toEqual(afterFirst);

    // Once revoked, the bootstrap key is not brought back to life: serve refuses to start with it.
    const { store } = await openTestStore(database);
    try {
      const row = await findApiKeyByHash(store.db, hashApiKey(key));
      expect(await revokeApiKey(store.db, systemClock, row!.id)).toBe(true);
    } finally {
      await store.close();
    }
    const refused = await runCli(['serve'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^coffer: COFFER_BOOTSTRAP_API_KEY was revoked at .+; set a new key\n$/);
  });
});

describe('coffer serve configuration', () => {
  const temporaryDirectories: string[] = [];
  const temporaryDirectory = () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-'));
    temporaryDirectories.push(directory);
    return directory;
  };
  afterAll(() => {
    for (const directory of temporaryDirectories) fs.rmSync(directory, { recursive: true, force: true });
  });

  it('with DATABASE_URL unset it uses ./data/coffer.db under the working directory, with a key kept across restarts', async () => {
    const cwd = temporaryDirectory();
    const first = await startServe({ PORT: '0' }, cwd);
    let key: string | null;
    try {
      expect(fs.existsSync(path.join(cwd, 'data', 'coffer.db'))).toBe(true);
      expect(first.output()).toContain(path.join(cwd, 'data', 'coffer.db'));
      key = first.apiKey;
      expect(key).toMatch(/^ck_rw_/);
      const customer = JSON.parse(await shell(first.curl));
      expect(customer.customer_id).toMatch(/^cus_/);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServe({ PORT: '0' }, cwd);
    try {
      expect(second.apiKey).toBe(key);
      const listed = await (await api(second.baseUrl, key!, 'GET', '/customers')).json();
      expect(listed.items).toHaveLength(1);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('DATABASE_URL as a relative path, a file: URL and an absolute file:// URL each name that SQLite file', async () => {
    const cwd = temporaryDirectory();
    const absolute = path.join(temporaryDirectory(), 'absolute.db');
    const forms: Array<[string, string]> = [
      ['stores/relative.db', path.join(cwd, 'stores', 'relative.db')],
      ['file:url-form.db', path.join(cwd, 'url-form.db')],
      [`file://${absolute}`, absolute],
    ];
    for (const [url, file] of forms) {
      const migrated = await runJson(['migrate'], { DATABASE_URL: url }, cwd);
      expect(migrated.store).toBe('sqlite');
      expect(fs.existsSync(file)).toBe(true);
    }
    expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
  });

  it('honours PORT and HOST', async () => {
    const cwd = temporaryDirectory();
    const port = await freePort();
    const server = await startServe({ DATABASE_URL: 'ports.db', PORT: String(port), HOST: '127.0.0.1' }, cwd);
    try {
      expect(server.baseUrl).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('a port already in use exits non-zero with a one-line explanation', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const result = await runCli(['serve'], { DATABASE_URL: 'busy.db', PORT: String(port), COFFER_LOG_LEVEL: 'warn' }, temporaryDirectory());
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses an invalid configuration, listing every problem, without a stack trace', async () => {
    const result = await runCli(['serve'], { PORT: 'abc', COFFER_IDEMPOTENCY_REPLAY: 'maybe', DATABASE_URL: 'mysql://x' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PORT must be an integer');
    expect(result.stderr).toContain('COFFER_IDEMPOTENCY_REPLAY must be true or false');
    expect(result.stderr).toContain('DATABASE_URL must be');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('coffer --version', () => {
  it('prints the version from package.json and exits 0', async () => {
    const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag], {});
      expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe.each(storeKinds)('coffer serve flags [%s]', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.drop());

  it('--port, --host and --database-url override PORT, HOST and DATABASE_URL', async () => {
    const port = await freePort();
    const { DATABASE_URL: url, ...rest } = database.env;
    // The environment names another store and a busy-looking port: the flags win.
    const env = { ...rest, DATABASE_URL: 'mysql://not-used', PORT: 'not-a-port', HOST: '0.0.0.0', COFFER_BOOTSTRAP_API_KEY: `flags_${randomBase62(20)}` };
    const server = await startServe(env, os.tmpdir(), ['--port', String(port), '--host', '127.0.0.1', '--database-url', url]);
    try {
      expect(server.baseUrl).toBe(`http://127.0.0.1:${port}`);
      expect(await (await fetch(`${server.baseUrl}/healthz`)).json()).toEqual({ status: 'ok', store: kind });
      expect(server.output()).toContain(`(${kind}`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('bad flag values are listed like bad variables, without a stack trace', async () => {
    const result = await runCli(['serve', '--port', '99999', '--database-url', 'mysql://x'], database.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid configuration');
    expect(result.stderr).toContain('PORT must be an integer from 0 to 65535, got "99999"');
    expect(result.stderr).toContain('DATABASE_URL must be');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('coffer serve on the embedded default: banner, GET /, logs', () => {
  const directories: string[] = [];
  afterAll(() => {
    for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
  });

  it('prints the banner after the start-up logs, and its SDK example runs as printed', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-'));
    directories.push(cwd);
    const server = await startServe({}, cwd, ['--port', '0']);
    try {
      const output = server.output();
      const bannerAt = output.indexOf('Coffer is listening on');
      // Not a terminal: JSON lines, all of them before the banner.
      const logLines = output.split('\n').filter((line) => line.startsWith('{'));
      expect(logLines.map((line) => JSON.parse(line).msg)).toEqual(expect.arrayContaining(['store opened', 'migrations applied']));
      for (const line of logLines) expect(output.indexOf(line)).toBeLessThan(bannerAt);

      const snippet = output
        .slice(output.indexOf('From the official SDK'))
        .split('\n')
        .slice(1)
        .filter((line) => line.startsWith('  '))
        .map((line) => line.slice(2))
        .join('\n');
      expect(snippet).toContain(`bearerToken: '${server.apiKey}', baseURL: '${server.baseUrl}'`);
      // Run from the project root, where dodopayments is installed, as the banner's instruction says (node example.mjs).
      const example = path.join(cwd, 'example.mjs');
      fs.writeFileSync(example, snippet.replace("from 'dodopayments'", `from '${import.meta.resolve('dodopayments')}'`));
      const ran = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile('node', [example], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
      });
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(/balance: 1000/);

      const root = await fetch(`${server.baseUrl}/`);
      expect(root.status).toBe(200);
      expect((await root.json()).links).toMatchObject({ docs: '/docs', openapi: '/openapi.json' });

      // One JSON line per request, at info, when stdout is not a terminal.
      await fetch(`${server.baseUrl}/healthz`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const requestLines = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('/healthz'))
        .map((line) => JSON.parse(line));
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 } });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('coffer serve on a terminal', () => {
  it('logs short human-readable lines (no JSON), and request lines only at debug', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-tty-'));
    // util-linux `script` gives the child a pseudo-terminal as stdout, as an interactive shell would.
    const child = spawn('script', ['-qfec', `node ${cofferBin} serve --port 0`, '/dev/null'], {
      env: childEnv({ NO_COLOR: '1', TERM: 'xterm' }),
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const baseUrl = await vi.waitFor(
        () => {
          const match = /Coffer is listening on (http:\/\/\S+)/.exec(output);
          if (!match || !output.includes('Ctrl-C')) throw new Error(`no banner yet:\n${output}`);
          return match[1];
        },
        { timeout: 30_000, interval: 100 },
      );
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = output.replace(/\r/g, '').split('\n');
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
      expect(lines.some((line) => /^\[\d\d:\d\d:\d\d\] INFO: store opened/.test(line))).toBe(true);
      expect(output).not.toContain('/healthz 200');
    } finally {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
