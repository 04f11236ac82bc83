// Turns the measured phases into the ratios the issue sets targets for, and prints them as plain-text tables.
import type { PhaseResult } from './load.ts';
import type { PgbenchResult } from './pgbench.ts';

export interface MeasuredPhase extends PhaseResult {
  server: 'coffer' | 'naive' | 'http';
  /** uniform-post-webhook: uniform-post with one webhook endpoint subscribed to every event. */
  /** lots-debit: debits on one wallet holding 10,000 active lots (issue 10). */
  workload: 'uniform-post' | 'uniform-post-webhook' | 'hot-post' | 'lots-debit' | 'wallets-get' | 'page-deep' | 'page-shallow' | 'fixed-json';
  /** CPU the server used during the phase, percent of one core; the load generator's own CPU beside it. */
  serverCpuPercent: number;
  loadCpuPercent: number;
  /** All postgres processes on the machine during the phase, percent of one core. */
  postgresCpuPercent: number;
  /** Ledger batches committed during the phase (from /metrics): mean commands per batch and mean ms per batch. */
  batchSizeMean?: number;
  batchMsMean?: number;
}

export interface StoreReport {
  kind: 'sqlite' | 'postgres';
  durability: Record<string, string>;
  naiveDurability: Record<string, string>;
  seedMs: number;
  phases: MeasuredPhase[];
  /** VmHWM of the Coffer process after all its phases (c=128 included). */
  peakRssBytes: number;
  naivePeakRssBytes: number;
}

export interface Ratio {
  name: string;
  value: number;
  /** '>=' and '<=' have a threshold; 'info' is printed for context only. */
  op: '>=' | '<=' | 'info';
  threshold: number;
  target: string;
  pass: boolean;
  durability: string;
}

function ratio(name: string, value: number, op: Ratio['op'], threshold: number, durability: string): Ratio {
  const pass = op === 'info' || (op === '>=' ? value >= threshold : value <= threshold);
  const target = op === 'info' ? '(info)' : `${op === '>=' ? '≥' : '≤'} ${threshold}`;
  return { name, value, op, threshold, target, pass, durability };
}

/** The median of each ratio over several runs (the targets are medians of runs). */
export function medianRatios(runs: Ratio[][]): Ratio[] {
  return runs[0].map((first) => {
    const values = runs.map((r) => r.find((x) => x.name === first.name)?.value ?? Number.NaN).sort((a, b) => a - b);
    return ratio(first.name, values[Math.floor(values.length / 2)], first.op, first.threshold, first.durability);
  });
}

export function durabilityLabel(durability: Record<string, string>): string {
  if (durability.store === 'sqlite') return `sqlite journal_mode=${durability.journal_mode} synchronous=${durability.synchronous}`;
  return `postgres fsync=${durability.fsync} synchronous_commit=${durability.synchronous_commit}`;
}

const find = (report: StoreReport, server: MeasuredPhase['server'], workload: MeasuredPhase['workload'], connections?: number) =>
  report.phases.find((p) => p.server === server && p.workload === workload && (connections === undefined || p.connections === connections));

export function computeRatios(stores: StoreReport[], pgbench: PgbenchResult, http: MeasuredPhase[]): Ratio[] {
  const ratios: Ratio[] = [];
  const httpAt32 = http.find((p) => p.connections === 32);
  for (const store of stores) {
    const label = durabilityLabel(store.durability);
    const uniform32 = find(store, 'coffer', 'uniform-post', 32);
    const bPgLabel = `${label}; B_pg ${durabilityLabel(pgbench.durability)}`;
    // B_pg is information only (issue 7): on a fast disk it exceeds what the HTTP stack itself can serve.
    if (uniform32 && pgbench.available) {
      const value = uniform32.okPerSecond / pgbench.medianTps;
      ratios.push(ratio(`${store.kind} c=32 entries/s ÷ B_pg`, value, 'info', 0, bPgLabel));
    }
    if (uniform32 && httpAt32) {
      const value = uniform32.okPerSecond / httpAt32.okPerSecond;
      ratios.push(ratio(`${store.kind} uniform c=32 ÷ B_http c=32`, value, '>=', store.kind === 'sqlite' ? 0.4 : 0.25, label));
    }
    if (uniform32) {
      const limit = store.kind === 'sqlite' ? 10 : 20;
      const value = uniform32.latencyMs.p99;
      ratios.push(ratio(`${store.kind} c=32 p99 ms`, value, '<=', limit, label));
    }
    for (const connections of [1, 32, 128]) {
      const uniform = find(store, 'coffer', 'uniform-post', connections);
      const hot = find(store, 'coffer', 'hot-post', connections);
      if (!uniform || !hot) continue;
      const value = hot.okPerSecond / uniform.okPerSecond;
      ratios.push(ratio(`${store.kind} hot ÷ uniform, c=${connections}`, value, '>=', 0.9, label));
    }
    const uniform1 = find(store, 'coffer', 'uniform-post', 1);
    if (uniform1) {
      const value = uniform1.latencyMs.p99;
      ratios.push(store.kind === 'sqlite' ? ratio('sqlite c=1 p99 ms', value, '<=', 2, label) : ratio('postgres c=1 p99 ms', value, 'info', 0, label));
    }
    const wallets32 = find(store, 'coffer', 'wallets-get', 32);
    if (wallets32 && httpAt32) {
      const value = wallets32.okPerSecond / httpAt32.okPerSecond;
      ratios.push(ratio(`${store.kind} GET wallets c=32 ÷ B_http c=32`, value, '>=', 0.5, label));
    }
    const deep = find(store, 'coffer', 'page-deep');
    const shallow = find(store, 'coffer', 'page-shallow');
    if (deep && shallow) {
      const value = deep.latencyMs.p99 / shallow.latencyMs.p99;
      ratios.push(ratio(`${store.kind} page p99, deep ÷ shallow`, value, '<=', 2, label));
    }
    const lots = find(store, 'coffer', 'lots-debit', 32);
    const hot32 = find(store, 'coffer', 'hot-post', 32);
    if (lots && hot32) {
      // Information: debits on a wallet of 10,000 lots against posts on one wallet with a single lot (both one wallet).
      ratios.push(ratio(`${store.kind} debits on a 10,000-lot wallet ÷ hot posts, c=32`, lots.okPerSecond / hot32.okPerSecond, 'info', 0, label));
    }
    const withWebhook = find(store, 'coffer', 'uniform-post-webhook', 32);
    if (uniform32 && withWebhook) {
      const value = withWebhook.okPerSecond / uniform32.okPerSecond;
      ratios.push(ratio(`${store.kind} uniform c=32 with a webhook endpoint ÷ without`, value, '>=', 0.85, label));
    }
    const megabytes = store.peakRssBytes / 1024 / 1024;
    ratios.push(ratio(`${store.kind} server peak RSS MB (c=128 included)`, megabytes, '<=', 250, label));
    const naive32 = find(store, 'naive', 'uniform-post', 32);
    if (uniform32 && naive32) {
      const value = uniform32.okPerSecond / naive32.okPerSecond;
      ratios.push(ratio(`${store.kind} uniform c=32 ÷ naive peer c=32`, value, '>=', 3, `${label}; naive ${durabilityLabel(store.naiveDurability)}`));
    }
  }
  return ratios;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function phaseTable(rows: Array<{ store: string; phase: MeasuredPhase }>): string {
  return table(
    ['store', 'server', 'workload', 'c', 'ok/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'batch mean', 'server CPU %', 'loadgen CPU %', 'postgres CPU %'],
    rows.map(({ store, phase: p }) => [
      store,
      p.server,
      p.workload,
      String(p.connections),
      fixed(p.okPerSecond, 0),
      fixed(p.latencyMs.p50, 2),
      fixed(p.latencyMs.p99, 2),
      fixed(p.latencyMs.max, 1),
      String(p.non2xx),
      String(p.errors + p.timeouts),
      p.batchSizeMean === undefined ? '' : fixed(p.batchSizeMean, 1),
      fixed(p.serverCpuPercent, 0),
      fixed(p.loadCpuPercent, 0),
      fixed(p.postgresCpuPercent, 0),
    ]),
  );
}

export function ratioTable(ratios: Ratio[]): string {
  return table(
    ['figure', 'value', 'target', 'met', 'durability'],
    ratios.map((r) => [r.name, fixed(r.value, 2), r.target, r.op === 'info' ? '' : r.pass ? 'yes' : 'NO', r.durability]),
  );
}
