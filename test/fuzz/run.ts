// `npm run fuzz -- --seed N --requests N --store sqlite|postgres|both [--concurrency N] [--out FILE]`: the long
// schema-driven fuzz run; prints each store's figures and findings, writes a JSON summary, exits 1 on any finding.
import fs from 'node:fs';
import path from 'node:path';
import type { StoreKind } from '../../src/config/config.ts';
import { type FuzzSummary, formatSummary, runFuzz } from './fuzz.ts';

function parseArguments(argv: string[]) {
  const options = { seed: 1, requests: 20_000, stores: ['sqlite', 'postgres'] as StoreKind[], concurrency: 4, out: 'data/fuzz/last-run.json' };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--seed') options.seed = Number(value);
    else if (name === '--requests') options.requests = Number(value);
    else if (name === '--concurrency') options.concurrency = Number(value);
    else if (name === '--out') options.out = value;
    else if (name === '--store') {
      if (!['sqlite', 'postgres', 'both'].includes(value)) throw new Error('--store is sqlite, postgres or both');
      options.stores = value === 'both' ? ['sqlite', 'postgres'] : [value as StoreKind];
    } else throw new Error(`unknown option ${name}`);
  }
  for (const [name, n] of [['--seed', options.seed], ['--requests', options.requests], ['--concurrency', options.concurrency]] as const) {
    if (!Number.isSafeInteger(n) || n < (name === '--seed' ? 0 : 1)) throw new Error(`${name} must be a whole number`);
  }
  return options;
}

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const summaries: FuzzSummary[] = [];
  for (const store of options.stores) {
    const summary = await runFuzz({ store, seed: options.seed, requests: options.requests, concurrency: options.concurrency, log });
    summaries.push(summary);
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify({ command: process.argv.slice(2), summaries }, null, 2)}\n`);
  const passed = summaries.every((s) => s.findingCount === 0);
  log(`${passed ? 'PASS' : 'FAIL'}: ${summaries.map((s) => `${s.store} ${s.findingCount} findings`).join(', ')}; summary written to ${options.out}`);
  process.exitCode = passed ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(2);
});
