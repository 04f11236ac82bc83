// The `coffer` command line: serve, migrate, business and API key administration, and the operator's tools.
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import * as businesses from '../businesses/business-service.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { DurabilityError, openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations/index.ts';
import { systemClock } from '../shared/clock.ts';
import { registerAnalyticsCommands } from './analytics-commands.ts';
import { registerBillingCommands } from './billing-commands.ts';
import { registerOpsCommands } from './ops-commands.ts';
import { serve } from './serve.ts';
import { registerWebhookCommands } from './webhook-commands.ts';

async function withStore<T>(run: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const store = await openStore(config);
  try {
    await migrateToLatest(store.db, store.kind);
    return await run(store);
  } finally {
    await store.close();
  }
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** The same relative path from src/cli/ and from dist/cli/. */
const version: string = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

const program = new Command()
  .name('coffer')
  .version(version, '-V, --version', 'print the version and exit')
  .description('Coffer: customer wallets with a Dodo-compatible API. Configure with PORT, HOST, DATABASE_URL (see README).');

program
  .command('serve')
  .description('run migrations, then serve the HTTP API')
  .option('--port <port>', 'listening port (overrides PORT; 0 picks a free one)')
  .option('--host <address>', 'listening address (overrides HOST)')
  .option('--database-url <url>', 'SQLite file or postgres:// URL (overrides DATABASE_URL)')
  .action(async (options: { port?: string; host?: string; databaseUrl?: string }) => {
    // The flags go through loadConfig as the variables they override, so a bad value is reported like a bad variable.
    const env = {
      ...process.env,
      ...(options.port !== undefined ? { PORT: options.port } : {}),
      ...(options.host !== undefined ? { HOST: options.host } : {}),
      ...(options.databaseUrl !== undefined ? { DATABASE_URL: options.databaseUrl } : {}),
    };
    const config = loadConfig(env);
    await serve(config, { embeddedDefault: !env.DATABASE_URL, version });
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig(process.env);
    const store = await openStore(config);
    try {
      const applied = await migrateToLatest(store.db, store.kind);
      print({ store: store.kind, applied });
    } finally {
      await store.close();
    }
  });

const business = program.command('business').description('manage businesses (tenants)');
business
  .command('create')
  .description('create a business and its first read-write API key')
  .requiredOption('--name <name>', 'business name')
  .action(async (options: { name: string }) => {
    await withStore(async (store) => {
      const created = await businesses.createBusiness(store.db, systemClock, options.name);
      const key = await businesses.createApiKey(store.db, systemClock, { businessId: created.id, access: 'read_write' });
      print({ business_id: created.id, name: created.name, api_key: key.secret, api_key_id: key.id });
    });
  });
business
  .command('list')
  .description('list businesses')
  .action(async () => {
    await withStore(async (store) => print(await businesses.listBusinesses(store.db)));
  });

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key (the secret is shown once)')
  .requiredOption('--business <id>', 'business id (bus_…)')
  .option('--read-only', 'a key that can only read')
  .option('--name <name>', 'a label for the key')
  .action(async (options: { business: string; readOnly?: boolean; name?: string }) => {
    await withStore(async (store) => {
      if (!(await businesses.findBusiness(store.db, options.business))) {
        throw new InvalidArgumentError(`business ${options.business} not found`);
      }
      const access = options.readOnly ? 'read_only' : 'read_write';
      const key = await businesses.createApiKey(store.db, systemClock, { businessId: options.business, access, name: options.name });
      print({ api_key_id: key.id, business_id: key.businessId, access: key.access, api_key: key.secret });
    });
  });
keys
  .command('list')
  .description("list a business's API keys (never the secrets)")
  .requiredOption('--business <id>', 'business id (bus_…)')
  .action(async (options: { business: string }) => {
    await withStore(async (store) => {
      const rows = await businesses.listApiKeys(store.db, options.business);
      print(rows.map(({ key_hash: _hash, ...row }) => row));
    });
  });
keys
  .command('revoke')
  .description('revoke an API key (takes effect within COFFER_API_KEY_CACHE_MS on running servers)')
  .argument('<key-id>', 'API key id (key_…)')
  .action(async (keyId: string) => {
    await withStore(async (store) => {
      const revoked = await businesses.revokeApiKey(store.db, systemClock, keyId);
      if (!revoked) throw new InvalidArgumentError(`API key ${keyId} not found or already revoked`);
      print({ api_key_id: keyId, revoked: true });
    });
  });

registerOpsCommands(program);
registerWebhookCommands(program);
registerBillingCommands(program);
registerAnalyticsCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof DurabilityError ||
    error instanceof InvalidArgumentError ||
    error instanceof businesses.BootstrapKeyRevokedError
  ) {
    process.stderr.write(`coffer: ${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).syscall === 'listen') {
    // A port in use or not allowed is an operator's problem, not a bug: say what to change instead of a stack trace.
    const { code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
    process.stderr.write(`coffer: cannot listen on ${address}:${port} (${code}); set PORT (and HOST) to a free address\n`);
  } else {
    process.stderr.write(`coffer: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
}
