// The operator's commands: `coffer verify`, `coffer backup`, `coffer restore` and `coffer demo`.
import fs from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/config.ts';
import { DurabilityError, type Store, openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations/index.ts';
import { demoCustomersMax, demoMonthsMax, runDemo } from '../ops/demo.ts';
import { formatFinding } from '../ops/findings.ts';
import { progressBar } from '../ops/progress.ts';
import { backupSqliteStore } from '../ops/sqlite-backup.ts';
import { restoreSqliteStore } from '../ops/sqlite-restore.ts';
import { hasTable } from '../ops/verify-context.ts';
import { type VerifyReport, verifyStore } from '../ops/verify.ts';

/** Exit codes of these commands. */
export const exitCodes = { ok: 0, findings: 1, refused: 2 } as const;

/** An expected refusal (bad settings, no store, a file in the way): printed as one line, exit code 2. */
export class Refusal extends Error {}

const out = (line: string) => process.stdout.write(`${line}\n`);

function integerOption(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    return value;
  };
}

/** Runs a command body; refusals and configuration problems exit 2 with one line, findings set their own code. */
export function guarded<A extends unknown[]>(body: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      process.exitCode = await body(...args);
    } catch (error) {
      if (error instanceof Refusal || error instanceof ConfigError || error instanceof DurabilityError) {
        process.stderr.write(`coffer: ${error.message}\n`);
        process.exitCode = exitCodes.refused;
        return;
      }
      throw error;
    }
  };
}

/** Opens the configured store without creating it: verify and demo never make an empty SQLite file by accident. */
async function openExisting(options: { migrate: boolean; create?: boolean }): Promise<{ store: Store; config: ReturnType<typeof loadConfig> }> {
  const config = loadConfig(process.env);
  if (config.store === 'sqlite' && !options.create && !fs.existsSync(config.databaseUrl)) {
    throw new Refusal(`no database at ${config.databaseUrl} (set DATABASE_URL)`);
  }
  const store = await openStore(config);
  if (options.migrate) await migrateToLatest(store.db, store.kind);
  return { store, config };
}

function printReport(report: VerifyReport): void {
  out(`checked: ${Object.entries(report.rows).map(([table, rows]) => `${table} ${rows}`).join(', ')}`);
  if (report.skipped.length > 0) out(`skipped (not in this store yet): ${report.skipped.join(', ')}`);
  if (report.clean) {
    out('verify: OK, no findings');
    return;
  }
  for (const finding of report.findings) out(formatFinding(finding));
  if (report.findingTotal > report.findings.length) out(`… ${report.findingTotal - report.findings.length} more findings not listed`);
  const counts = Object.entries(report.findingCounts).map(([kind, count]) => `${kind} ${count}`).join(', ');
  out(`verify: FAILED, ${report.findingTotal} finding${report.findingTotal === 1 ? '' : 's'} (${counts})`);
}

export function registerOpsCommands(program: Command): void {
  program
    .command('verify')
    .description('check every invariant of the whole store; exit 0 when clean, 1 with each finding listed, 2 if it cannot run')
    .option('--json', 'print the report as JSON')
    .action(
      guarded(async (options: { json?: boolean }) => {
        const { store, config } = await openExisting({ migrate: false });
        if (!(await store.db.transaction().execute((trx) => hasTable(trx, store.kind, 'ledger_entries')))) {
          await store.close();
          const where = config.store === 'sqlite' ? config.databaseUrl : `schema ${config.databaseSchema}`;
          throw new Refusal(`${where} holds no Coffer tables (wrong DATABASE_URL or COFFER_DB_SCHEMA?)`);
        }
        const bar = progressBar('verify', 'rows', options.json ? { enabled: false } : {});
        try {
          const report = await verifyStore(store, { onProgress: ({ rowsRead, rowsTotal }) => bar.update(rowsRead, rowsTotal) });
          bar.stop();
          if (options.json) out(JSON.stringify(report, null, 2));
          else printReport(report);
          return report.clean ? exitCodes.ok : exitCodes.findings;
        } finally {
          bar.stop();
          await store.close();
        }
      }),
    );

  program
    .command('backup')
    .description('write a consistent copy of the SQLite store to <file> while Coffer keeps serving')
    .argument('<file>', 'where to write the backup')
    .option('--force', 'replace <file> if it exists')
    .action(
      guarded(async (file: string, options: { force?: boolean }) => {
        const bar = progressBar('backup', 'pages');
        const result = await backupSqliteStore(loadConfig(process.env), file, { force: options.force, onProgress: (done, total) => bar.update(done, total) });
        bar.stop();
        if (!result.ok) throw new Refusal(result.message);
        out(`backup: wrote ${result.file} (${result.pages} pages, ${result.bytes} bytes)`);
        return exitCodes.ok;
      }),
    );

  program
    .command('restore')
    .description('put a backup in place of the SQLite store; refuses while a Coffer has the store open')
    .argument('<file>', 'a file written by coffer backup')
    .option('--force', 'replace an existing store (its current content is lost)')
    .action(
      guarded(async (file: string, options: { force?: boolean }) => {
        const result = restoreSqliteStore(loadConfig(process.env), file, { force: options.force });
        if (!result.ok) throw new Refusal(result.message);
        out(`restore: ${result.replaced ? 'replaced' : 'created'} ${result.file} (migrations ${result.migrations.join(', ')}); run coffer verify to check it`);
        return exitCodes.ok;
      }),
    );

  program
    .command('demo')
    .description('fill a fresh store with a demo business, customers and months of activity (through the HTTP API)')
    .option('--customers <n>', `customers to create (1–${demoCustomersMax})`, integerOption(1, demoCustomersMax), 300)
    .option('--months <n>', `months of history, ending now (1–${demoMonthsMax})`, integerOption(1, demoMonthsMax), 6)
    .option('--seed <n>', 'random seed: the same seed tells the same story', integerOption(0, 2 ** 32 - 1), 1)
    .option('--force', 'add the demo business even if the store already has customers')
    .action(
      guarded(async (options: { customers: number; months: number; seed: number; force?: boolean }) => {
        const { store, config } = await openExisting({ migrate: true, create: true });
        const bar = progressBar('demo', 'requests');
        try {
          const result = await runDemo(config, store, { ...options, force: options.force ?? false, onProgress: (done, total) => bar.update(done, total) });
          bar.stop();
          if (!result.ok) throw new Refusal(result.message);
          const { summary } = result;
          out(`demo: business ${summary.businessName} (${summary.businessId}), ${summary.customers} customers, ${summary.requests} requests`);
          out(`entries: ${Object.entries(summary.entries).map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
          out(`balances: ${Object.entries(summary.balances).map(([currency, amount]) => `${currency} ${amount}`).join(', ')} (minor units)`);
          out(`activity from ${summary.firstEntryAt} to ${summary.lastEntryAt}`);
          out(`API key (read-write): ${summary.apiKey}`);
          return exitCodes.ok;
        } finally {
          bar.stop();
          await store.close();
        }
      }),
    );
}
