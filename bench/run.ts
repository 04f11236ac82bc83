// `npm run bench [-- --quick] [--store=sqlite|postgres] [--repeat=N] [--profile] [--keep] [--only=lots|analytics] [--analytics-entries=N]`: loads Coffer, its naive peer and the
// baselines over loopback, prints a table and the ratios with their durability settings, and writes JSON + raw output.
// `--webhook-only [--repeat=N] [--seconds=S]`: per store only N interleaved pairs of uniform c=32 without and with one
// webhook endpoint, each pair's ratio and their median.
// `--only=analytics [--repeat=N]`: the analytics phase alone, with N pairs of uniform c=32 without and with the rollup
// job, each pair's ratio and their median.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { type PhaseResult, type PhaseSpec, runPhase } from './load.ts';
import { type BenchOptions, parseOptions } from './options.ts';
import { type PgbenchResult, measurePgbench } from './pgbench.ts';
import { type ServerProcess, startServer } from './processes.ts';
import { type MeasuredPhase, type Ratio, type StoreReport, computeRatios, durabilityLabel, medianRatios, phaseTable, ratioTable } from './report.ts';
import { benchApiKey, createBenchDatabase, seed } from './seed.ts';
import { type AnalyticsFigures, measureAnalytics, seedAnalytics } from './analytics.ts';
import { type Next, deepPages, hotPosts, lotDebits, uniformPosts, walletReads } from './workloads.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'bench', 'results');
const scratchDir = path.join(resultsDir, 'tmp');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const rawFile = path.join(resultsDir, `${stamp}.txt`);

function say(text: string): void {
  process.stdout.write(`${text}\n`);
  fs.appendFileSync(rawFile, `${text}\n`);
}

const clockTicksPerSecond = 100;
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of every PostgreSQL process on the machine, by pid (other users' backends included: the machine is shared). */
function postgresCpuSeconds(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') byPid.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/** CPU the postgres processes used between two samples (a process that ended in between is not counted). */
function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) {
    const delta = seconds - (before.get(pid) ?? 0);
    if (Number.isFinite(delta) && delta > 0) total += delta;
  }
  return total;
}

async function batchTotals(server: ServerProcess): Promise<{ size: number; count: number; seconds: number } | undefined> {
  if (server.name !== 'coffer') return undefined;
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    size: value('coffer_ledger_batch_size_sum'),
    count: value('coffer_ledger_batch_size_count'),
    seconds: value('coffer_ledger_batch_duration_seconds_sum'),
  };
}

async function measure(
  server: ServerProcess,
  kind: MeasuredPhase['server'],
  workload: MeasuredPhase['workload'],
  connections: number,
  seconds: number,
  next: Next,
  method: PhaseSpec['method'],
): Promise<MeasuredPhase> {
  const batchesBefore = await batchTotals(server);
  const serverCpuBefore = cpuSeconds(server.pid);
  const postgresCpuBefore = postgresCpuSeconds();
  const loadCpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await runPhase({
    name: `${kind} ${workload} c=${connections}`,
    baseUrl: server.baseUrl,
    connections,
    durationSeconds: seconds,
    method,
    headers: { authorization: `Bearer ${benchApiKey}` },
    next,
  });
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const serverCpu = cpuSeconds(server.pid) - serverCpuBefore;
  const postgresCpu = postgresCpuBetween(postgresCpuBefore, postgresCpuSeconds());
  // Let the requests autocannon abandoned at the deadline finish, so their batches count here and not in the next phase.
  await new Promise((resolve) => setTimeout(resolve, phaseSettleMs));
  const phase: MeasuredPhase = {
    ...result,
    server: kind,
    workload,
    serverCpuPercent: (serverCpu / elapsedSeconds) * 100,
    postgresCpuPercent: (postgresCpu / elapsedSeconds) * 100,
    loadCpuPercent: ((loadCpu.user + loadCpu.system) / 1e6 / elapsedSeconds) * 100,
  };
  const batchesAfter = await batchTotals(server);
  if (batchesBefore && batchesAfter && batchesAfter.count > batchesBefore.count) {
    const batches = batchesAfter.count - batchesBefore.count;
    phase.batchSizeMean = (batchesAfter.size - batchesBefore.size) / batches;
    phase.batchMsMean = ((batchesAfter.seconds - batchesBefore.seconds) / batches) * 1000;
  }
  return phase;
}

const phaseSettleMs = 300;
/** After the webhook phase, how long the backlog may take to drain before the bench moves on (reported either way). */
const webhookDrainMaxMs = 120_000;

/**
 * uniform-post c=32 with one endpoint subscribed to every event, its receiver in a process of its own: the POST figure
 * is compared with uniform-post c=32 without endpoints; deliveries during the phase and the drain after it are printed.
 */
async function webhookPhase(coffer: ServerProcess, kind: string, options: BenchOptions, ids: Parameters<typeof uniformPosts>[0]): Promise<MeasuredPhase> {
  const receiver = await startServer('receiver', ['--import', 'tsx', path.join(root, 'bench', 'webhook-receiver.ts')], {}, '/healthz', path.join(scratchDir, `receiver-${kind}-${stamp}.log`));
  try {
    const created = await fetch(`${coffer.baseUrl}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${benchApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.baseUrl}/hook`, description: 'bench receiver' }),
    });
    if (!created.ok) throw new Error(`could not create the bench webhook endpoint: ${created.status} ${await created.text()}`);
    const endpointId = ((await created.json()) as { id: string }).id;
    const count = async () => ((await (await fetch(`${receiver.baseUrl}/count`)).json()) as { received: number }).received;
    const phase = await measure(coffer, 'coffer', 'uniform-post-webhook', 32, options.phaseSeconds, uniformPosts(ids), 'POST');
    const duringPhase = await count();
    const expected = phase.ok;
    const drainStart = performance.now();
    let delivered = duringPhase;
    while (delivered < expected && performance.now() - drainStart < webhookDrainMaxMs) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      delivered = await count();
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    say(
      `webhooks: ${duringPhase} of ${expected} entry events delivered during the phase (${(duringPhase / options.phaseSeconds).toFixed(0)}/s); ` +
        `${delivered} after ${drainSeconds.toFixed(1)} s more${delivered < expected ? ' (backlog not drained: the bench moved on)' : ''}`,
    );
    // Gone before the next phase, so a later phase without webhooks really has no endpoint.
    const deleted = await fetch(`${coffer.baseUrl}/webhooks/${endpointId}`, { method: 'DELETE', headers: { authorization: `Bearer ${benchApiKey}` } });
    if (!deleted.ok) throw new Error(`could not delete the bench webhook endpoint: ${deleted.status} ${await deleted.text()}`);
    return phase;
  } finally {
    await receiver.stop();
  }
}

const cofferArgs = (options: BenchOptions, label: string) => [
  ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(scratchDir, `profile-${stamp}-${label}`)}`] : []),
  path.join(root, 'bin', 'coffer.js'),
  'serve',
];

async function benchStore(kind: 'sqlite' | 'postgres', options: BenchOptions): Promise<StoreReport> {
  say(`\n## ${kind}: seeding ${options.customerCount} funded wallets, a ${options.deepEntryCount}-entry and a ${options.shallowEntryCount}-entry ledger`);
  const database = await createBenchDatabase(kind, options.postgresUrl);
  try {
    const { ids, durability, seedMs } = await seed(database, options);
    say(`seeded in ${(seedMs / 1000).toFixed(1)} s; durability read back through openStore: ${durabilityLabel(durability)}`);
    const phases: MeasuredPhase[] = [];
    const report = (phase: MeasuredPhase) => {
      phases.push(phase);
      say(phaseTable([{ store: kind, phase }]).split('\n')[2]);
    };
    // The per-key rate limiter is off: one key drives all the load, and the limiter would measure itself.
    const env = {
      ...database.env,
      COFFER_BOOTSTRAP_API_KEY: benchApiKey,
      COFFER_LOG_LEVEL: 'warn',
      COFFER_RATE_LIMIT_PER_SECOND: '0',
      // The webhook phase's receiver listens on loopback.
      COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    };

    const coffer = await startServer('coffer', cofferArgs(options, kind), env, '/healthz', path.join(scratchDir, `coffer-${kind}-${stamp}.log`));
    let peakRssBytes: number;
    if (options.only === 'lots') {
      try {
        await measure(coffer, 'coffer', 'lots-debit', 32, options.warmupSeconds, lotDebits(ids), 'POST');
        report(await measure(coffer, 'coffer', 'lots-debit', 32, options.phaseSeconds, lotDebits(ids), 'POST'));
        return { kind, durability, naiveDurability: {}, seedMs, phases, peakRssBytes: coffer.peakRssBytes(), naivePeakRssBytes: 0 };
      } finally {
        await coffer.stop();
      }
    }
    try {
      await measure(coffer, 'coffer', 'uniform-post', 32, options.warmupSeconds, uniformPosts(ids), 'POST');
      if (options.webhookOnly) {
        // --repeat=N: N pairs on one server, each phase without webhooks right before its phase with them, so drift of
        // the machine between pairs does not enter a ratio; the median pair is the figure.
        const pairRatios: number[] = [];
        for (let pair = 1; pair <= options.repeat; pair++) {
          const without = await measure(coffer, 'coffer', 'uniform-post', 32, options.phaseSeconds, uniformPosts(ids), 'POST');
          report(without);
          const withWebhook = await webhookPhase(coffer, kind, options, ids);
          report(withWebhook);
          pairRatios.push(withWebhook.okPerSecond / without.okPerSecond);
          say(`${kind}: pair ${pair}: uniform c=32 with a webhook endpoint ÷ without = ${pairRatios[pairRatios.length - 1].toFixed(2)} (target >= 0.85)`);
        }
        if (pairRatios.length > 1) {
          const sorted = [...pairRatios].sort((a, b) => a - b);
          const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
          say(`${kind}: median of ${pairRatios.length} pairs = ${median.toFixed(2)} (pairs: ${pairRatios.map((r) => r.toFixed(2)).join(', ')}; target >= 0.85)`);
        }
        return { kind, durability, naiveDurability: {}, seedMs, phases, peakRssBytes: coffer.peakRssBytes(), naivePeakRssBytes: 0 };
      }
      for (const c of options.uniformConnections) report(await measure(coffer, 'coffer', 'uniform-post', c, options.phaseSeconds, uniformPosts(ids), 'POST'));
      for (const c of options.hotConnections) report(await measure(coffer, 'coffer', 'hot-post', c, options.phaseSeconds, hotPosts(ids), 'POST'));
      report(await measure(coffer, 'coffer', 'lots-debit', 32, options.phaseSeconds, lotDebits(ids), 'POST'));
      peakRssBytes = coffer.peakRssBytes();
      const c = options.readConnections;
      report(await measure(coffer, 'coffer', 'wallets-get', c, options.phaseSeconds, walletReads(ids), 'GET'));
      report(await measure(coffer, 'coffer', 'page-shallow', c, options.phaseSeconds, deepPages(ids.shallowCustomerId, ids.shallowEntryCount), 'GET'));
      report(await measure(coffer, 'coffer', 'page-deep', c, options.phaseSeconds, deepPages(ids.deepCustomerId, ids.deepEntryCount), 'GET'));
      say(`coffer peak RSS (VmHWM) after the post phases: ${(peakRssBytes / 1048576).toFixed(0)} MB; after the reads: ${(coffer.peakRssBytes() / 1048576).toFixed(0)} MB`);
      report(await webhookPhase(coffer, kind, options, ids));
    } finally {
      await coffer.stop();
    }

    const naiveEnv = { ...database.env, BENCH_BUSINESS_ID: ids.businessId };
    const naive = await startServer('naive', ['--import', 'tsx', path.join(root, 'bench', 'naive-peer.ts')], naiveEnv, '/healthz', path.join(scratchDir, `naive-${kind}-${stamp}.log`));
    let naiveDurability: Record<string, string>;
    let naivePeakRssBytes: number;
    try {
      naiveDurability = (await (await fetch(`${naive.baseUrl}/durability`)).json()) as Record<string, string>;
      await measure(naive, 'naive', 'uniform-post', 32, options.warmupSeconds, uniformPosts(ids), 'POST');
      report(await measure(naive, 'naive', 'uniform-post', 1, options.phaseSeconds, uniformPosts(ids), 'POST'));
      report(await measure(naive, 'naive', 'uniform-post', 32, options.phaseSeconds, uniformPosts(ids), 'POST'));
      report(await measure(naive, 'naive', 'hot-post', 32, options.phaseSeconds, hotPosts(ids), 'POST'));
      naivePeakRssBytes = naive.peakRssBytes();
    } finally {
      await naive.stop();
    }
    return { kind, durability, naiveDurability, seedMs, phases, peakRssBytes, naivePeakRssBytes };
  } finally {
    if (!options.keepDatabases) await database.drop();
  }
}

/**
 * The analytics phase (bench/analytics.ts, docs/analytics.md#performance): its own bulk-seeded store, the reads' figures
 * against their targets, and uniform POST c=32 with the rollup job on ÷ off on that store (target >= 0.90).
 */
async function benchAnalytics(kind: 'sqlite' | 'postgres', options: BenchOptions): Promise<AnalyticsFigures> {
  const entries = options.analyticsEntryCount;
  say(`\n## ${kind} analytics: seeding ${entries} entries (${analyticsCustomers(entries)} customers × 1000 over the past year) and their rollups`);
  const database = await createBenchDatabase(kind, options.postgresUrl);
  try {
    const seeded = await seedAnalytics(database, entries);
    say(`seeded in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    const env = { ...database.env, COFFER_BOOTSTRAP_API_KEY: benchApiKey, COFFER_LOG_LEVEL: 'warn', COFFER_RATE_LIMIT_PER_SECOND: '0' };
    const posts = async (label: string, extra: Record<string, string>) => {
      const server = await startServer('coffer', cofferArgs(options, `${kind}-analytics-${label}`), { ...env, ...extra }, '/healthz', path.join(scratchDir, `coffer-${kind}-analytics-${label}-${stamp}.log`));
      try {
        await measure(server, 'coffer', 'uniform-post', 32, options.warmupSeconds, uniformPosts(seeded.ids), 'POST');
        const phase = await measure(server, 'coffer', 'uniform-post', 32, options.phaseSeconds, uniformPosts(seeded.ids), 'POST');
        say(`${kind} analytics store, uniform c=32 ${label}: ${phase.okPerSecond.toFixed(0)} req/s, p99 ${phase.latencyMs.p99.toFixed(1)} ms`);
        return { server, phase };
      } catch (error) {
        await server.stop();
        throw error;
      }
    };
    // --repeat=N: N pairs (without, then with the rollup job), each ratio of one pair, and their median: on a shared
    // machine the load drifts between two phases, and one pair's ratio moves by far more than the 10% it measures.
    const pairs: Array<{ off: PhaseResult; on: PhaseResult }> = [];
    let on: Awaited<ReturnType<typeof posts>> | undefined;
    for (let pair = 1; pair <= options.repeat; pair++) {
      if (on) await on.server.stop();
      const off = await posts(`rollups-off-${pair}`, { COFFER_ROLLUP_INTERVAL_MS: '0' });
      await off.server.stop();
      on = await posts(`rollups-on-${pair}`, {});
      pairs.push({ off: off.phase, on: on.phase });
      say(`${kind} analytics store, pair ${pair}: uniform c=32 with the rollup job ÷ without = ${(on.phase.okPerSecond / off.phase.okPerSecond).toFixed(2)}`);
    }
    if (!on) throw new Error('no pair ran');
    try {
      const reads = await measureAnalytics(on.server.baseUrl, seeded, options.phaseSeconds);
      const max = (values: number[]) => Math.max(...values);
      say(`${kind} statement (one customer, one year, 1000 entries) c=8: ${reads.statement.okPerSecond.toFixed(0)} req/s, p50 ${reads.statement.latencyMs.p50.toFixed(1)} ms, p99 ${reads.statement.latencyMs.p99.toFixed(1)} ms (target p99 <= 50 ms), non-2xx ${reads.statement.non2xx}; one statement equals the seeded entries: ${reads.statementExact}`);
      say(`${kind} monthly activity report, business-wide: ${reads.monthlyReportMs.map((ms) => ms.toFixed(0)).join(', ')} ms (target <= 1000 ms; max ${max(reads.monthlyReportMs).toFixed(0)})`);
      say(`${kind} liability at a past date: ${reads.liabilityMs.map((ms) => ms.toFixed(0)).join(', ')} ms (target <= 1000 ms; max ${max(reads.liabilityMs).toFixed(0)}); equals the brute-force figure: ${reads.liabilityExact}`);
      const ratios = pairs.map((p) => p.on.okPerSecond / p.off.okPerSecond).sort((a, b) => a - b);
      const median = ratios.length % 2 === 1 ? ratios[(ratios.length - 1) / 2] : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
      say(`${kind} analytics store: uniform c=32 with the rollup job ÷ without = ${median.toFixed(2)} (median of ${ratios.length} pair(s): ${ratios.map((r) => r.toFixed(2)).join(', ')}; target >= 0.90)`);
      const last = pairs[pairs.length - 1];
      return { entries, customers: seeded.customers, seedMs: seeded.seedMs, ...reads, uniformWithRollups: last.on, uniformWithoutRollups: last.off, uniformPairs: pairs, uniformRatioMedian: median };
    } finally {
      await on.server.stop();
    }
  } finally {
    if (!options.keepDatabases) await database.drop();
  }
}

const analyticsCustomers = (entries: number) => Math.max(1, Math.round(entries / 1000));

async function benchHttp(options: BenchOptions): Promise<MeasuredPhase[]> {
  say('\n## B_http: fixed-JSON Fastify route, same load generator, connections and duration');
  const server = await startServer('http', ['--import', 'tsx', path.join(root, 'bench', 'http-baseline.ts')], {}, '/healthz', path.join(scratchDir, `http-${stamp}.log`));
  const phases: MeasuredPhase[] = [];
  try {
    const ids = { customerCount: 1000 } as Parameters<typeof uniformPosts>[0];
    await measure(server, 'http', 'fixed-json', 32, options.warmupSeconds, uniformPosts(ids), 'POST');
    for (const c of [32, 128]) {
      const phase = await measure(server, 'http', 'fixed-json', c, options.phaseSeconds, uniformPosts(ids), 'POST');
      phases.push(phase);
      say(phaseTable([{ store: '-', phase }]).split('\n')[2]);
    }
  } finally {
    await server.stop();
  }
  return phases;
}

async function machine(options: BenchOptions): Promise<Record<string, string>> {
  const info: Record<string, string> = {
    cpus: String(os.availableParallelism()),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    kernel: os.release(),
    sqlite: String((new SQLite(':memory:').prepare('select sqlite_version() as v').get() as { v: string }).v),
  };
  try {
    const client = new pg.Client({ connectionString: options.postgresUrl });
    await client.connect();
    info.postgres = (await client.query('show server_version')).rows[0].server_version;
    await client.end();
  } catch (error) {
    info.postgres = `unreachable: ${(error as Error).message}`;
  }
  return info;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  fs.mkdirSync(scratchDir, { recursive: true });
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const startedAt = new Date();
  const host = await machine(options);
  say(`# Coffer benchmark ${startedAt.toISOString()} — ${command}`);
  say(`machine: ${Object.entries(host).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  say(`mode: ${options.quick ? 'quick (smaller data, 2 s phases: for development, not for the targets)' : 'full'}; ${options.phaseSeconds} s per phase; the load generator shares the machine's cores with the server`);

  const runs: Array<{ pgbench: Omit<PgbenchResult, 'raw'>; stores: StoreReport[]; http: MeasuredPhase[]; ratios: Ratio[] }> = [];
  if (options.webhookOnly) {
    for (const kind of options.stores) await benchStore(kind, options);
    return;
  }
  if (options.only === 'analytics') {
    const figures = [];
    for (const kind of options.stores) figures.push(await benchAnalytics(kind, options));
    const jsonFile = path.join(resultsDir, `${stamp}-analytics.json`);
    fs.writeFileSync(jsonFile, `${JSON.stringify({ startedAt, command, machine: host, options, analytics: figures }, null, 2)}\n`);
    say(`\n--only=analytics: the analytics phase alone; wrote ${path.relative(root, jsonFile)} and ${path.relative(root, rawFile)}`);
    return;
  }
  const analytics: AnalyticsFigures[] = [];
  for (let run = 1; run <= options.repeat; run++) {
    if (options.repeat > 1) say(`\n# Run ${run} of ${options.repeat}`);
    if (options.only === 'lots') {
      for (const kind of options.stores) await benchStore(kind, options);
      say('\n--only=lots: the lots-debit phase alone; no baselines and no ratios');
      return;
    }
    say(`\n## B_pg: pgbench -i -s ${options.pgbenchScale}, then median of ${options.pgbenchRuns} × pgbench -n -M prepared -N -c 8 -j 2 -T ${options.pgbenchSeconds}`);
    const { raw, ...pgbench } = await measurePgbench(options.postgresUrl, { scale: options.pgbenchScale, seconds: options.pgbenchSeconds, runs: options.pgbenchRuns });
    fs.appendFileSync(rawFile, raw);
    say(pgbench.available ? `B_pg = ${pgbench.medianTps.toFixed(0)} tps (runs: ${pgbench.runsTps.map((t) => t.toFixed(0)).join(', ')}); ${durabilityLabel(pgbench.durability)}` : 'pgbench not found: B_pg ratios are skipped');

    const stores: StoreReport[] = [];
    for (const kind of options.stores) stores.push(await benchStore(kind, options));
    const http = await benchHttp(options);
    if (options.analyticsEntryCount > 0 && run === 1) for (const kind of options.stores) analytics.push(await benchAnalytics(kind, options));

    const ratios = computeRatios(stores, { ...pgbench, raw: '' }, http);
    say('\n## All phases');
    say(phaseTable([...stores.flatMap((s) => s.phases.map((phase) => ({ store: s.kind, phase }))), ...http.map((phase) => ({ store: '-', phase }))]));
    say(`\n## Ratios (B_pg = ${pgbench.medianTps.toFixed(0)} tps, B_http c=32 = ${http[0]?.okPerSecond.toFixed(0)} req/s)`);
    say(ratioTable(ratios));
    runs.push({ pgbench, stores, http, ratios });
  }
  const medians = runs.length > 1 ? medianRatios(runs.map((r) => r.ratios)) : runs[0].ratios;
  if (runs.length > 1) {
    say(`\n## Ratios, median of ${runs.length} runs`);
    say(ratioTable(medians));
  }

  const jsonFile = path.join(resultsDir, `${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify({ startedAt, command, machine: host, options, runs, medianRatios: medians, analytics }, null, 2)}\n`);
  say(`\nwrote ${path.relative(root, jsonFile)} and ${path.relative(root, rawFile)}`);
}

await main();
