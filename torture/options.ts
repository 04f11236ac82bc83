// Command-line options of the torture run, with the long-run defaults and a short preset used by `npm test`.
import { parseArgs } from 'node:util';
import type { StoreKind } from '../src/config/config.ts';

export interface TortureOptions {
  store: StoreKind;
  seed: number;
  /** The run goes on until at least this many SIGKILLs happened... */
  killsMin: number;
  /** ...and at least this many operations were issued. */
  operations: number;
  clients: number;
  customers: number;
  /** Customers that receive a large share of the writes, to contend on the same rows. */
  hotCustomers: number;
  /** Pause between the server becoming ready and the next SIGKILL, drawn (seeded) from [min, max]. */
  killIntervalMinMs: number;
  killIntervalMaxMs: number;
  /** Chance that a client gives up a write after a connection error, leaving its key unknown to the client. */
  abandonChance: number;
  /** A write that gets no definitive answer for this long on a live server is reported as stuck. */
  keyDeadlineMs: number;
  port: number;
  postgresUrl: string;
  /** Keep the database (SQLite file or PostgreSQL schema) after a passing run. */
  keep: boolean;
}

export interface RunOptions {
  stores: StoreKind[];
  out: string;
  base: Omit<TortureOptions, 'store'>;
}

export const defaultPostgresUrl = process.env.COFFER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const longDefaults: Omit<TortureOptions, 'store'> = {
  seed: 1,
  killsMin: 25,
  operations: 200_000,
  clients: 64,
  customers: 1000,
  hotCustomers: 4,
  killIntervalMinMs: 2000,
  killIntervalMaxMs: 10_000,
  abandonChance: 0.02,
  keyDeadlineMs: 120_000,
  port: 0,
  postgresUrl: defaultPostgresUrl,
  keep: false,
};

/** A run of well under a minute per store: kills every 1–2 s, a few thousand operations. */
export const shortDefaults: Omit<TortureOptions, 'store'> = {
  ...longDefaults,
  killsMin: 3,
  operations: 2000,
  customers: 100,
  hotCustomers: 3,
  killIntervalMinMs: 1000,
  killIntervalMaxMs: 2000,
  abandonChance: 0.05,
  keyDeadlineMs: 60_000,
};

const usage = `usage: npm run torture -- [--store sqlite|postgres|both] [--seed N] [--kills K] [--operations N]
  [--clients N] [--customers N] [--hot N] [--kill-min-ms MS] [--kill-max-ms MS] [--abandon P]
  [--port P] [--short] [--keep] [--out summary.json]`;

export function parseRunOptions(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string', default: 'both' },
      seed: { type: 'string' },
      kills: { type: 'string' },
      operations: { type: 'string' },
      clients: { type: 'string' },
      customers: { type: 'string' },
      hot: { type: 'string' },
      'kill-min-ms': { type: 'string' },
      'kill-max-ms': { type: 'string' },
      abandon: { type: 'string' },
      port: { type: 'string' },
      short: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const defaults = values.short ? shortDefaults : longDefaults;
  const integer = (raw: string | undefined, name: string, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${raw}"\n${usage}`);
    return value;
  };
  const stores: StoreKind[] =
    values.store === 'both' ? ['sqlite', 'postgres'] : values.store === 'sqlite' || values.store === 'postgres' ? [values.store] : [];
  if (stores.length === 0) throw new Error(`--store must be sqlite, postgres or both\n${usage}`);
  const abandonChance = values.abandon === undefined ? defaults.abandonChance : Number(values.abandon);
  if (!(abandonChance >= 0 && abandonChance <= 1)) throw new Error(`--abandon must be a probability from 0 to 1\n${usage}`);
  const base = {
    ...defaults,
    seed: integer(values.seed, 'seed', defaults.seed, 0),
    killsMin: integer(values.kills, 'kills', defaults.killsMin, 0),
    operations: integer(values.operations, 'operations', defaults.operations, 1),
    clients: integer(values.clients, 'clients', defaults.clients, 1),
    customers: integer(values.customers, 'customers', defaults.customers, 2),
    hotCustomers: integer(values.hot, 'hot', defaults.hotCustomers, 1),
    killIntervalMinMs: integer(values['kill-min-ms'], 'kill-min-ms', defaults.killIntervalMinMs, 0),
    killIntervalMaxMs: integer(values['kill-max-ms'], 'kill-max-ms', defaults.killIntervalMaxMs, 0),
    abandonChance,
    port: integer(values.port, 'port', defaults.port, 0),
    keep: values.keep ?? false,
  };
  if (base.killIntervalMaxMs < base.killIntervalMinMs) throw new Error('--kill-max-ms must be ≥ --kill-min-ms');
  if (base.hotCustomers >= base.customers) throw new Error('--hot must be smaller than --customers');
  return { stores, out: values.out ?? 'data/torture/last-run.json', base };
}
