// B_pg: PostgreSQL's own durable-commit ceiling, pgbench simple-update (-N) against a scratch database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensurePostgresDatabase } from './seed.ts';

const run = promisify(execFile);

export interface PgbenchResult {
  available: boolean;
  command: string;
  runsTps: number[];
  medianTps: number;
  /** synchronous_commit and fsync as pgbench's sessions see them. */
  durability: Record<string, string>;
  raw: string;
}

export const scratchDatabase = 'coffer_bench_pgbench';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function measurePgbench(
  serverUrl: string,
  options: { scale: number; seconds: number; runs: number },
): Promise<PgbenchResult> {
  const url = await ensurePostgresDatabase(serverUrl, scratchDatabase);
  const command = `pgbench -n -M prepared -N -c 8 -j 2 -T ${options.seconds} ${scratchDatabase}`;
  try {
    await run('pgbench', ['--version']);
  } catch {
    return { available: false, command, runsTps: [], medianTps: Number.NaN, durability: {}, raw: 'pgbench not found' };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const settings = await client.query(`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes')`);
  await client.end();
  const durability = { store: 'postgres', ...Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])) };

  const connection = new URL(url);
  const baseArgs = ['-h', connection.hostname, '-p', connection.port || '5432', '-U', decodeURIComponent(connection.username || 'postgres')];
  let raw = '';
  const init = await run('pgbench', [...baseArgs, '-i', '-q', '-s', String(options.scale), scratchDatabase], { maxBuffer: 1 << 24 });
  raw += `$ pgbench -i -q -s ${options.scale} ${scratchDatabase}\n${init.stdout}${init.stderr}\n`;
  const runsTps: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const args = [...baseArgs, '-n', '-M', 'prepared', '-N', '-c', '8', '-j', '2', '-T', String(options.seconds), scratchDatabase];
    const result = await run('pgbench', args, { maxBuffer: 1 << 24 });
    raw += `$ ${command}\n${result.stdout}${result.stderr}\n`;
    const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout);
    if (!match) throw new Error(`could not read tps from pgbench output:\n${result.stdout}`);
    runsTps.push(Number(match[1]));
  }
  return { available: true, command, runsTps, medianTps: median(runsTps), durability, raw };
}
