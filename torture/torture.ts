// One torture run on one store: start Coffer, load it with concurrent clients while SIGKILLing it, then check everything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Book } from './book.ts';
import { freshDatabase } from './database.ts';
import { httpClient } from './http-client.ts';
import { type CommittedUnacknowledged, type Invariant, checkInvariants } from './invariants.ts';
import type { TortureOptions } from './options.ts';
import { seededRandom, streamSeed } from '../src/shared/random.ts';
import { CofferProcess, freePort } from './server.ts';
import { readApi, readDatabase } from './snapshots.ts';
import { runClient } from './workload.ts';

export interface TortureSummary {
  store: string;
  seed: number;
  options: TortureOptions;
  database: string;
  /** Removed at the end of a passing run unless --keep; kept (and printed) otherwise. */
  serverLog: string;
  startedAt: string;
  durationMs: number;
  /** issued: operations the clients claimed; total: results counted (a racing credit counts each of its two sends). */
  operations: { issued: number; total: number; byKind: Book['operations'] };
  requests: Book['requests'];
  kills: number;
  restarts: number;
  restartMs: { mean: number; max: number };
  gracefulStop: boolean;
  keys: { acknowledged: number; refused: number; unknown: number; committedUnacknowledged: number };
  entries: number;
  balancesByCurrency: Record<string, number>;
  committedUnacknowledged: CommittedUnacknowledged[];
  invariants: Invariant[];
  passed: boolean;
  error?: string;
}

const customerCreateConcurrency = 16;
const walkedCustomersMax = 30;
const progressEveryMs = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runTorture(options: TortureOptions, log: (line: string) => void = () => {}): Promise<TortureSummary> {
  const startedAt = new Date();
  const label = `${options.store}-s${options.seed}`;
  const database = freshDatabase(options.store, options.postgresUrl, label);
  const port = options.port || (await freePort());
  const serverLog = path.join(os.tmpdir(), `coffer-torture-${label}-${startedAt.getTime()}.log`);
  const apiKey = `torture_key_${streamSeed(options.seed, 99).toString(36)}_${startedAt.getTime()}`;
  const server = new CofferProcess(
    { ...database.env, COFFER_BOOTSTRAP_API_KEY: apiKey, COFFER_LOG_LEVEL: 'warn' },
    port,
    serverLog,
  );
  const http = httpClient({ port, apiKey, socketsMax: options.clients * 2 + 8, timeoutMs: 30_000 });
  const book = new Book();
  const restartMs: number[] = [];
  let kills = 0;
  let fatal: string | undefined;
  let issued = 0;
  log(`[${options.store}] database ${database.location}, port ${port}, server log ${serverLog}`);

  try {
    await server.start();
    const customers = await createCustomers(http, options.customers);
    const hotCustomers = customers.slice(0, options.hotCustomers);
    log(`[${options.store}] ${customers.length} customers (${hotCustomers.length} hot); ${options.clients} clients; kills every ${options.killIntervalMinMs}–${options.killIntervalMaxMs} ms`);

    let stopKilling = false;
    let wakeKiller = () => {};
    const killRandom = seededRandom(streamSeed(options.seed, 1_000_003));
    const killer = (async () => {
      while (!stopKilling) {
        await new Promise<void>((resolve) => {
          wakeKiller = resolve;
          setTimeout(resolve, killRandom.int(options.killIntervalMinMs, options.killIntervalMaxMs));
        });
        if (stopKilling) break;
        await server.kill();
        kills += 1;
        try {
          restartMs.push(await server.start());
        } catch (error) {
          fatal = `restart after kill ${kills} failed: ${(error as Error).message}`;
          return;
        }
      }
    })();
    const progress = setInterval(() => {
      const k = [...book.keys.values()];
      log(
        `[${options.store}] ${book.operationTotal} operations, ${kills} kills, ${k.filter((r) => r.status === 'acknowledged').length} acknowledged, ` +
          `${k.filter((r) => r.status === 'refused').length} refused, ${book.requests.attempts} write attempts, ${book.requests.noResponse} lost answers`,
      );
    }, progressEveryMs);
    const context = {
      book,
      http,
      seed: options.seed,
      customers,
      hotCustomers,
      abandonChance: options.abandonChance,
      keyDeadlineMs: options.keyDeadlineMs,
      claimOperation: () => {
        if (fatal !== undefined || (issued >= options.operations && kills >= options.killsMin)) return false;
        issued += 1;
        return true;
      },
    };
    await Promise.all(Array.from({ length: options.clients }, (_, index) => runClient(index, context)));
    stopKilling = true;
    wakeKiller();
    await killer;
    clearInterval(progress);
    if (fatal !== undefined) throw new Error(fatal);
    if (!server.running) restartMs.push(await server.start());
    log(`[${options.store}] load done: ${book.operationTotal} operations, ${kills} kills; reading the API and the database`);

    const walkRandom = seededRandom(streamSeed(options.seed, 2_000_003));
    const walked = new Set(hotCustomers);
    while (walked.size < Math.min(customers.length, hotCustomers.length + walkedCustomersMax)) walked.add(walkRandom.pick(customers));
    const api = await readApi(http, customers, [...walked]);
    const gracefulStop = await server.stop();
    const db = database.open();
    const snapshot = await readDatabase(db).finally(() => db.destroy());
    const report = checkInvariants(book, snapshot, api, server.unexpectedExits);
    const passed = report.invariants.every((i) => i.ok);
    // A passing run leaves nothing behind in the temp directory; a failing one (or --keep) keeps the log and database.
    if (passed && !options.keep) {
      await database.drop();
      fs.rmSync(serverLog, { force: true });
    }
    return {
      ...baseSummary(),
      gracefulStop,
      keys: {
        acknowledged: report.totals.acknowledgedKeys,
        refused: report.totals.refusedKeys,
        unknown: report.totals.unknownKeys,
        committedUnacknowledged: report.committedUnacknowledged.length,
      },
      entries: report.totals.entries,
      balancesByCurrency: report.totals.balancesByCurrency,
      committedUnacknowledged: report.committedUnacknowledged,
      invariants: report.invariants,
      passed,
    };
  } catch (error) {
    await server.stop().catch(() => false);
    return {
      ...baseSummary(),
      gracefulStop: false,
      keys: { acknowledged: 0, refused: 0, unknown: 0, committedUnacknowledged: 0 },
      entries: 0,
      balancesByCurrency: {},
      committedUnacknowledged: [],
      invariants: [{ name: 'the run completed', ok: false, detail: (error as Error).message, examples: [] }],
      passed: false,
      error: (error as Error).stack,
    };
  } finally {
    http.close();
  }

  function baseSummary() {
    return {
      store: options.store,
      seed: options.seed,
      options,
      database: database.location,
      serverLog,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      operations: { issued, total: book.operationTotal, byKind: book.operations },
      requests: book.requests,
      kills,
      restarts: restartMs.length,
      restartMs: {
        mean: restartMs.length === 0 ? 0 : Math.round(restartMs.reduce((a, b) => a + b, 0) / restartMs.length),
        max: Math.round(Math.max(0, ...restartMs)),
      },
    };
  }
}

/** Customers are created before the first kill: creating one is not idempotent, so a lost answer would leave a stray. */
async function createCustomers(http: ReturnType<typeof httpClient>, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      for (let attempt = 0; ; attempt++) {
        const answer = await http.request('POST', '/customers', { email: `torture${index}@example.com`, name: `Torture ${index}` });
        if (answer.kind === 'response' && answer.status === 200) {
          ids[index] = answer.body.customer_id;
          break;
        }
        if (attempt >= 5) throw new Error(`creating customer ${index} failed: ${JSON.stringify(answer).slice(0, 300)}`);
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: customerCreateConcurrency }, worker));
  return ids;
}
