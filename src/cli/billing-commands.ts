// `coffer billing run --until <ISO time>`: every job due until then (renewals and dunning retries, auto-recharges, hold expiries, payment recoveries, lot expiries,
// webhook deliveries), each run at its due time on an injected clock (docs/billing.md).
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config.ts';
import { openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations/index.ts';
import { runBillingUntil } from '../ops/billing-run.ts';
import { guarded } from './ops-commands.ts';

function isoTime(raw: string): Date {
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || !Number.isFinite(time.getTime())) throw new InvalidArgumentError('an ISO 8601 date-time, e.g. 2026-12-31T00:00:00Z');
  return time;
}

export function registerBillingCommands(program: Command): void {
  const billing = program.command('billing').description('run billing work on a clock of your choosing');
  billing
    .command('run')
    .description('run every job due until --until (subscription renewals and dunning retries, auto-recharges, hold expiries, payment recoveries, lot expiries), each at its due time')
    .requiredOption('--until <time>', 'ISO 8601 date-time', isoTime)
    .action(
      guarded(async (options: { until: Date }) => {
        const config = loadConfig(process.env);
        const store = await openStore(config);
        await migrateToLatest(store.db, store.kind);
        const report = await runBillingUntil(config, store, options.until);
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return 0;
      }),
    );
}
