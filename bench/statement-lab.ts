// A workbench for the statement's speed (docs/performance.md): seeds an analytics store once and keeps it, times a
// statement's parts in process, and runs the statement phase alone against a server on the kept store.
//   npx tsx bench/statement-lab.ts seed sqlite|postgres NAME ENTRIES     (NAME: a file under /tmp, or a schema)
//   npx tsx bench/statement-lab.ts parts sqlite|postgres NAME [N]
//   npx tsx bench/statement-lab.ts body [BYTES]          (the fixed-body baseline at c=8: what sending the body costs)
//   npx tsx bench/statement-lab.ts load sqlite|postgres NAME [SECONDS] [--rollups] [--posts=S] [--warm] [--cpu-prof]   (STMT_ROOT: another checkout's server; STMT_NODE_FLAGS: node flags for it)
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { AnalyticsService } from '../src/analytics/analytics-service.ts';
import { statementEntriesWithTotals, statementRange } from '../src/analytics/statement-reads.ts';
import { loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/db/database.ts';
import { systemClock } from '../src/shared/clock.ts';
import { seedAnalytics } from './analytics.ts';
import { runPhase } from './load.ts';
import { startServer } from './processes.ts';
import { type SeededIds, benchApiKey, customerId, ensurePostgresDatabase } from './seed.ts';
import { uniformPosts } from './workloads.ts';

const [command, kind, name, arg4] = process.argv.slice(2) as [string, 'sqlite' | 'postgres', string, string | undefined];
const postgresUrl = process.env.COFFER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function envOf(): Promise<Record<string, string>> {
  if (kind === 'sqlite') return { DATABASE_URL: path.join('/tmp', `${name}.db`) };
  return { DATABASE_URL: await ensurePostgresDatabase(postgresUrl, 'coffer_bench'), COFFER_DB_SCHEMA: name };
}
const dayMs = 86_400_000;
/** CPU ticks (10 ms) used so far by every PostgreSQL process on the machine (0 with SQLite or no postgres process). */
function postgresTicks(): number {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.99) - 1)];

/** B_body: the fixed-body baseline (big-body-baseline.ts) under the statement phase's load; server and load generator CPU. */
async function body(bodyBytes: string) {
  const server = await startServer('body', ['--import', 'tsx', path.join(import.meta.dirname, 'big-body-baseline.ts')], { BODY_BYTES: bodyBytes }, '/healthz', '/tmp/stmt-lab-body.log');
  try {
    const spec = (s: number) => ({ name: 'body', baseUrl: server.baseUrl, connections: 8, durationSeconds: s, method: 'GET' as const, headers: {}, next: () => ({ path: '/body' }) });
    await runPhase(spec(2));
    const ticks = () => fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(' ').slice(13, 15).reduce((a, b) => a + Number(b), 0);
    const [before, self] = [ticks(), process.cpuUsage()];
    const r = await runPhase(spec(6));
    const used = process.cpuUsage(self);
    console.log(`body ${bodyBytes}: ${r.okPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} p99 ${r.latencyMs.p99.toFixed(2)} max ${r.latencyMs.max.toFixed(1)} ms; server CPU ${(((ticks() - before) * 10) / r.ok).toFixed(3)} ms/req, load generator CPU ${((used.user + used.system) / 1000 / r.ok).toFixed(3)} ms/req`);
  } finally {
    await server.stop();
  }
}

async function main() {
  if (command === 'body') return body(kind ?? '300000');
  const env = await envOf();
  const metaFile = path.join('/tmp', `stmt-lab-${kind}-${name}.json`);
  if (command === 'seed') {
    const seeded = await seedAnalytics({ kind, env, drop: async () => {} }, Number(process.argv[5]));
    fs.writeFileSync(metaFile, JSON.stringify({ customers: seeded.customers, nowMs: seeded.nowMs, businessId: seeded.ids.businessId }));
    console.log(`seeded ${seeded.customers} customers in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    return;
  }
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { customers: number; nowMs: number; businessId: string };
  const from = new Date(meta.nowMs - 365 * dayMs).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  if (command === 'parts') {
    const config = loadConfig({ ...env, COFFER_BOOTSTRAP_API_KEY: benchApiKey });
    const store = await openStore(config);
    const service = new AnalyticsService({ db: store.db, store: store.kind, clock: systemClock, currencies: config.currencies, fxRatesToUsd: config.fxRatesToUsd, forecastWindowDays: 30 });
    const n = Number(arg4 ?? 200);
    const times: Record<string, number[]> = { whole: [], range: [], entriesWithTotals: [], cpuWhole: [] };
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const id = customerId(Math.floor(Math.random() * meta.customers));
      const wallet = { customerId: id, currency: 'USD' };
      let t = performance.now();
      const cpu = process.cpuUsage();
      const whole = await service.statementJson(meta.businessId, id, 'USD', from, to);
      const cpuUsed = process.cpuUsage(cpu);
      times.whole.push(performance.now() - t);
      times.cpuWhole.push((cpuUsed.user + cpuUsed.system) / 1000);
      if (!whole.ok) throw new Error(whole.message);
      bytes = whole.value.reduce((n, chunk) => n + chunk.length, 0);
      t = performance.now();
      const range = await statementRange(store.db, meta.businessId, wallet, from, to);
      times.range.push(performance.now() - t);
      t = performance.now();
      await statementEntriesWithTotals(store.db, store.kind, wallet, range!.firstSeq, range!.lastSeq);
      times.entriesWithTotals.push(performance.now() - t);
    }
    for (const [part, values] of Object.entries(times)) console.log(`${part}: median ${median(values).toFixed(2)} ms, p99 ${p99(values).toFixed(2)} ms`);
    console.log(`body ${bytes} bytes`);
    await store.close();
    return;
  }
  if (command === 'load') {
    const seconds = Number(arg4 ?? 6);
    const flags = process.argv.slice(6);
    const args = [...(process.env.STMT_NODE_FLAGS ? process.env.STMT_NODE_FLAGS.split(' ').filter(Boolean) : []), ...(flags.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=/tmp/stmt-prof-${kind}`] : []), path.join(process.env.STMT_ROOT ?? path.join(import.meta.dirname, '..'), 'bin', 'coffer.js'), 'serve'];
    const server = await startServer('coffer', args, { ...env, COFFER_BOOTSTRAP_API_KEY: benchApiKey, COFFER_LOG_LEVEL: 'warn', COFFER_RATE_LIMIT_PER_SECOND: '0', ...(flags.includes('--rollups') ? {} : { COFFER_ROLLUP_INTERVAL_MS: '0' }) }, '/healthz', `/tmp/stmt-lab-server-${kind}.log`);
    try {
      const connections = Number(process.env.STMT_C ?? 8);
      const spec = (s: number) => ({
        name: 'statement', baseUrl: server.baseUrl, connections, durationSeconds: s, method: 'GET' as const,
        headers: { authorization: `Bearer ${benchApiKey}` },
        next: () => ({ path: `/customers/${customerId(Math.floor(Math.random() * meta.customers))}/wallets/statement?currency=USD&from=${from}&to=${to}${process.env.STMT_QUERY ?? ''}` }),
      });
      // --posts=S: S seconds of uniform POST c=32 first, as the bench runs before its statement phase (the rollup job,
      // when on, then catches up with those wallets during the statements).
      const postSeconds = Number(flags.find((f) => f.startsWith('--posts='))?.slice('--posts='.length) ?? 0);
      if (postSeconds > 0) {
        const next = uniformPosts({ businessId: meta.businessId, customerCount: meta.customers } as SeededIds);
        const posts = await runPhase({ name: 'posts', baseUrl: server.baseUrl, connections: 32, durationSeconds: postSeconds, method: 'POST', headers: { authorization: `Bearer ${benchApiKey}` }, next });
        console.log(`uniform c=32 before: ${posts.okPerSecond.toFixed(0)} req/s`);
      }
      if (flags.includes('--warm')) await runPhase(spec(2));
      const cpuBefore = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(' ');
      const [postgresBefore, selfBefore] = [postgresTicks(), process.cpuUsage()];
      const result = await runPhase(spec(seconds));
      const cpuAfter = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(' ');
      const [postgresMs, self] = [((postgresTicks() - postgresBefore) * 10) / result.ok, process.cpuUsage(selfBefore)];
      const ticks = (s: string[]) => Number(s[13]) + Number(s[14]);
      const serverCpuMs = ((ticks(cpuAfter) - ticks(cpuBefore)) * 10) / result.ok;
      console.log(`c=${connections}: ${result.okPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms, max ${result.latencyMs.max.toFixed(1)} ms, non2xx ${result.non2xx}, server CPU ${serverCpuMs.toFixed(2)} ms/req, PostgreSQL CPU ${postgresMs.toFixed(2)} ms/req, load generator CPU ${((self.user + self.system) / 1000 / result.ok).toFixed(2)} ms/req`);
    } finally {
      await server.stop();
    }
  }
}
await main();
