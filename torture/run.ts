// `npm run torture`: runs the crash-and-concurrency torture on each chosen store, prints the results, writes a JSON summary.
import fs from 'node:fs';
import path from 'node:path';
import { parseRunOptions } from './options.ts';
import { formatSummary } from './report.ts';
import { type TortureSummary, runTorture } from './torture.ts';

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function main(): Promise<void> {
  const options = parseRunOptions(process.argv.slice(2));
  const summaries: TortureSummary[] = [];
  for (const store of options.stores) {
    log(`torture on ${store}: ${JSON.stringify({ ...options.base, postgresUrl: undefined })}`);
    const summary = await runTorture({ ...options.base, store }, log);
    summaries.push(summary);
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify({ command: process.argv.slice(2), summaries }, null, 2)}\n`);
  const passed = summaries.every((s) => s.passed);
  log(`${passed ? 'PASS' : 'FAIL'}: ${summaries.map((s) => `${s.store} ${s.passed ? 'PASS' : 'FAIL'}`).join(', ')}; summary written to ${options.out}`);
  process.exitCode = passed ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(2);
});
