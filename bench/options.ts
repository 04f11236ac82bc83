// Benchmark settings: the full run (the figures we compare with the targets) and the --quick development run.

export interface BenchOptions {
  quick: boolean;
  stores: Array<'sqlite' | 'postgres'>;
  /** Seconds each measured load phase runs. */
  phaseSeconds: number;
  /** Seconds of unmeasured load after a server starts, so the JIT and caches warm up. */
  warmupSeconds: number;
  customerCount: number;
  /** Entries in the deep wallet whose last pages are read; the shallow wallet has shallowEntryCount. */
  deepEntryCount: number;
  shallowEntryCount: number;
  uniformConnections: number[];
  hotConnections: number[];
  readConnections: number;
  pgbenchScale: number;
  pgbenchSeconds: number;
  pgbenchRuns: number;
  /** PostgreSQL server that holds Coffer's bench schema and the pgbench scratch database. */
  postgresUrl: string;
  keepDatabases: boolean;
  /** Runs Coffer under --cpu-prof; profiles land in bench/results/tmp. */
  profile: boolean;
  /** Whole runs to make; the ratios are reported per run and as medians. */
  repeat: number;
  /** --webhook-only: per store only uniform c=32 and the webhook phase, no baselines (for work on delivery). */
  webhookOnly: boolean;
  /** Active lots of the wallet the lots-debit phase debits (issue 10: a debit reads only the lots it needs). */
  lotsCount: number;
  /** `--only=lots`: only the lots-debit phase; `--only=analytics`: only the analytics phase (no baselines, no ratios). */
  only: 'lots' | 'analytics' | null;
  /** Entries of the analytics phase's bulk-seeded ledger (`--analytics-entries=N`; 0 skips the phase). */
  analyticsEntryCount: number;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const quick = argv.includes('--quick');
  const storeArg = argv.find((a) => a.startsWith('--store='))?.slice('--store='.length);
  const stores: BenchOptions['stores'] = storeArg === 'sqlite' || storeArg === 'postgres' ? [storeArg] : ['sqlite', 'postgres'];
  const common = {
    quick,
    stores,
    readConnections: 32,
    postgresUrl: env.COFFER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    keepDatabases: argv.includes('--keep'),
    profile: argv.includes('--profile'),
    repeat: Math.max(1, Number(argv.find((a) => a.startsWith('--repeat='))?.slice('--repeat='.length) ?? 1) || 1),
    shallowEntryCount: 1_000,
    webhookOnly: argv.includes('--webhook-only'),
    lotsCount: 10_000,
    only: argv.includes('--only=lots') ? ('lots' as const) : argv.includes('--only=analytics') ? ('analytics' as const) : null,
  };
  const analyticsArg = argv.find((a) => a.startsWith('--analytics-entries='))?.slice('--analytics-entries='.length);
  const analyticsEntries = analyticsArg === undefined ? undefined : Math.max(0, Math.floor(Number(analyticsArg)) || 0);
  const seconds = Number(argv.find((a) => a.startsWith('--seconds='))?.slice('--seconds='.length));
  if (quick) {
    return {
      ...common,
      phaseSeconds: seconds > 0 ? seconds : 2,
      warmupSeconds: 1,
      customerCount: 10_000,
      deepEntryCount: 100_000,
      uniformConnections: [1, 32, 128],
      hotConnections: [32],
      pgbenchScale: 2,
      pgbenchSeconds: 2,
      pgbenchRuns: 3,
      analyticsEntryCount: analyticsEntries ?? 200_000,
    };
  }
  return {
    ...common,
    phaseSeconds: seconds > 0 ? seconds : 10,
    warmupSeconds: 3,
    customerCount: 100_000,
    deepEntryCount: 1_000_000,
    uniformConnections: [1, 32, 128],
    hotConnections: [1, 32, 128],
    pgbenchScale: 10,
    pgbenchSeconds: 20,
    pgbenchRuns: 3,
    analyticsEntryCount: analyticsEntries ?? 10_000_000,
  };
}
