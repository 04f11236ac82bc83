// `coffer statement`, `coffer report`, `coffer export` and `coffer rollups rebuild` (docs/analytics.md#command-line).
import fs from 'node:fs';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { AnalyticsService } from '../analytics/analytics-service.ts';
import { exportCsvHeader, exportCsvLine, exportEntries, exportJsonLine, exportSize } from '../analytics/ledger-export.ts';
import { resetRollups, rollUpAll } from '../analytics/rollup-job.ts';
import { statementCsv, statementHtml } from '../analytics/statement-formats.ts';
import { loadConfig } from '../config/config.ts';
import { bookkeepingFor } from '../db/bookkeeping.ts';
import { type Store, openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations/index.ts';
import { systemClock } from '../shared/clock.ts';
import { guarded } from './ops-commands.ts';

function isoTime(raw: string): string {
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || !Number.isFinite(time.getTime())) throw new InvalidArgumentError('an ISO 8601 date-time, e.g. 2026-03-01T00:00:00Z');
  return time.toISOString();
}

async function withAnalytics(run: (analytics: AnalyticsService, store: Store) => Promise<number>): Promise<number> {
  const config = loadConfig(process.env);
  const store = await openStore(config);
  try {
    await migrateToLatest(store.db, store.kind);
    const analytics = new AnalyticsService({ db: store.db, store: store.kind, clock: systemClock, currencies: config.currencies, fxRatesToUsd: config.fxRatesToUsd, forecastWindowDays: config.forecastWindowDays });
    return await run(analytics, store);
  } finally {
    await store.close();
  }
}

/** Writes and waits for the stream to drain when it is full, so a large export never piles up in memory. */
async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

const refused = (failure: { code: string; message: string }) => {
  process.stderr.write(`coffer: ${failure.code}: ${failure.message}\n`);
  return 2;
};

export function registerAnalyticsCommands(program: Command): void {
  program
    .command('statement')
    .description("a wallet's statement over [--from, --to): JSON, CSV or printable HTML on stdout")
    .requiredOption('--business <id>', 'business id (bus_…)')
    .requiredOption('--customer <id>', 'customer id (cus_…)')
    .requiredOption('--currency <code>', 'wallet currency (USD)')
    .requiredOption('--from <time>', 'first instant (inclusive), ISO 8601', isoTime)
    .requiredOption('--to <time>', 'end (exclusive), ISO 8601', isoTime)
    .option('--format <format>', 'json, csv or html', 'json')
    .action(
      guarded(async (o: { business: string; customer: string; currency: string; from: string; to: string; format: string }) =>
        withAnalytics(async (analytics) => {
          if (!['json', 'csv', 'html'].includes(o.format)) throw new InvalidArgumentError('--format is json, csv or html');
          if (o.format === 'csv') {
            const bounds = await analytics.statementBounds(o.business, o.customer, o.currency, o.from, o.to);
            if (!bounds.ok) return refused(bounds);
            const entries = analytics.statementEntries({ customerId: o.customer, currency: o.currency }, bounds.value.firstSeq, bounds.value.lastSeq);
            for await (const chunk of statementCsv(entries)) await write(process.stdout, chunk);
            return 0;
          }
          const result = await analytics.statement(o.business, o.customer, o.currency, o.from, o.to);
          if (!result.ok) return refused(result);
          const { entries, ...header } = result.value;
          await write(process.stdout, o.format === 'html' ? statementHtml(header, entries) : `${JSON.stringify(result.value, null, 2)}\n`);
          return 0;
        }),
      ),
    );

  program
    .command('report')
    .description('a business report as JSON: activity, top-customers, liability or breakage (docs/analytics.md)')
    .argument('<kind>', 'activity | top-customers | liability | breakage')
    .requiredOption('--business <id>', 'business id (bus_…)')
    .option('--from <day>', 'first local day (inclusive), YYYY-MM-DD')
    .option('--to <day>', 'last local day (exclusive), YYYY-MM-DD')
    .option('--date <day>', 'liability: the local day whose end it is taken at')
    .option('--period <period>', 'day, week or month')
    .option('--currency <code>', 'one currency (required by top-customers)')
    .option('--limit <n>', 'top-customers: how many', (raw) => Number.parseInt(raw, 10))
    .action(
      guarded(async (kind: string, o: { business: string; from?: string; to?: string; date?: string; period?: string; currency?: string; limit?: number }) =>
        withAnalytics(async (analytics) => {
          const period = (o.period ?? (kind === 'breakage' ? 'month' : 'day')) as 'day' | 'week' | 'month';
          if (!['day', 'week', 'month'].includes(period)) throw new InvalidArgumentError('--period is day, week or month');
          const range = { from: o.from ?? '', to: o.to ?? '' };
          const result =
            kind === 'activity'
              ? await analytics.activityReport(o.business, { ...range, period, currency: o.currency })
              : kind === 'top-customers'
                ? await analytics.topCustomersReport(o.business, { ...range, currency: o.currency ?? '', limit: o.limit })
                : kind === 'liability'
                  ? await analytics.liabilityReport(o.business, o.date ?? '')
                  : kind === 'breakage'
                    ? await analytics.breakageReport(o.business, { ...range, period })
                    : undefined;
          if (result === undefined) throw new InvalidArgumentError('the report is activity, top-customers, liability or breakage');
          if (!result.ok) return refused(result);
          await write(process.stdout, `${JSON.stringify(result.value, null, 2)}\n`);
          return 0;
        }),
      ),
    );

  program
    .command('export')
    .description('every ledger entry (of a business, in a time range) as CSV or JSON lines, streamed; a progress bar on a terminal')
    .requiredOption('--format <format>', 'csv or jsonl')
    .option('--business <id>', 'one business only (bus_…)')
    .option('--from <time>', 'created at or after, ISO 8601', isoTime)
    .option('--to <time>', 'created before, ISO 8601', isoTime)
    .option('--output <file>', 'write to this file instead of stdout')
    .action(
      guarded(async (o: { format: string; business?: string; from?: string; to?: string; output?: string }) =>
        withAnalytics(async (_analytics, store) => {
          if (!['csv', 'jsonl'].includes(o.format)) throw new InvalidArgumentError('--format is csv or jsonl');
          const out = o.output ? fs.createWriteStream(o.output) : process.stdout;
          const scope = { businessId: o.business, from: o.from, to: o.to };
          // The bar goes to stderr, and only on a terminal: stdout carries the data.
          const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'export [{bar}] {percentage}% | {value}/{total} entries | {eta_formatted} left', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
          bar?.start(Math.max(await exportSize(store.db, scope), 1), 0);
          let written = 0;
          if (o.format === 'csv') await write(out, exportCsvHeader);
          for await (const entry of exportEntries(store.db, scope, (read) => bar?.update(read))) {
            await write(out, o.format === 'csv' ? exportCsvLine(entry) : exportJsonLine(entry));
            written++;
          }
          bar?.stop();
          if (o.output) {
            out.end();
            await once(out, 'finish');
          }
          process.stderr.write(`coffer: exported ${written} entries\n`);
          return 0;
        }),
      ),
    );

  program
    .command('rollups')
    .description('day rollups of the analytics reports, and statement blocks')
    .command('rebuild')
    .description('drop the day rollups and statement blocks (of one business, or all) and roll every entry up again')
    .option('--business <id>', 'one business only (bus_…)')
    .action(
      guarded(async (o: { business?: string }) =>
        withAnalytics(async (_analytics, store) => {
          await resetRollups(store.db, o.business);
          const entries = await rollUpAll({ db: store.db, store: store.kind, bookkeeping: bookkeepingFor(store), clock: systemClock });
          process.stdout.write(`${JSON.stringify({ rolled_up_entries: entries })}\n`);
          return 0;
        }),
      ),
    );
}
