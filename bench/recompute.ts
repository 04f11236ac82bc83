// `npx tsx bench/recompute.ts bench/results/<stamp>.json`: the ratios of a saved run, recomputed with today's targets
// (to compare a run made before the targets changed, such as the "before" of a write-path change, with one made after).
import fs from 'node:fs';
import { type MeasuredPhase, type Ratio, type StoreReport, computeRatios, medianRatios, ratioTable } from './report.ts';
import type { PgbenchResult } from './pgbench.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: tsx bench/recompute.ts <results.json>\n');
  process.exit(2);
}
const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
  command: string;
  runs: Array<{ pgbench: Omit<PgbenchResult, 'raw'>; stores: StoreReport[]; http: MeasuredPhase[] }>;
};
const perRun: Ratio[][] = saved.runs.map((run) => computeRatios(run.stores, { ...run.pgbench, raw: '' }, run.http));
process.stdout.write(`# ${file} (${saved.command}): ${perRun.length} run(s)\n`);
perRun.forEach((ratios, index) => process.stdout.write(`\n## Run ${index + 1}\n${ratioTable(ratios)}\n`));
if (perRun.length > 1) process.stdout.write(`\n## Median of ${perRun.length} runs\n${ratioTable(medianRatios(perRun))}\n`);
