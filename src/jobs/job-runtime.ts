// JobRuntime: claims due jobs under a lease into free handler slots, runs each with a timeout, records each outcome, stops cleanly.
import type { Kysely, Transaction } from 'kysely';
import { Registry } from 'prom-client';
import type { StoreKind } from '../config/config.ts';
import type { Bookkeeping } from '../db/bookkeeping.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type JobLimits, assertJobLimits, backoffDelayMs, jobLastErrorLengthMax, jobLimitsDefault } from './job-limits.ts';
import { type JobMetrics, createJobMetrics } from './job-metrics.ts';
import { type HeldLease, type JobRow, type RecordedOutcome, claimJobs, countDueByKind, recordDoneOutcomes, recordOutcome } from './job-store.ts';
import type { JobHandler, JobOutcome, JobRowInsert, LeasedJob, TickResult } from './job-types.ts';
import type { LoadGauge } from './load-gauge.ts';

export interface JobLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface JobRuntimeDeps {
  db: Kysely<Database>;
  store: StoreKind;
  clock: Clock;
  /** Unique per process (and per runtime): leases carry it, so a process only records outcomes of its own leases. */
  owner: string;
  /** One handler per kind; jobs of other kinds are never claimed by this runtime. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** Merged over jobLimitsDefault. */
  limits?: Partial<JobLimits>;
  logger?: JobLogger;
  /** Where the job metrics are registered (once per registry); a private registry when absent. */
  registry?: Registry;
  /**
   * How claims and outcomes are written: the composition root passes bookkeepingFor(store), so that they commit
   * without waiting for the disk (a lost one after a power cut only repeats an attempt). Plain writes when absent.
   */
  bookkeeping?: Bookkeeping;
  /**
   * Says when the process or the machine is saturated: the poll loop then starts a claim round at most every
   * busyClaimGapMs, so jobs yield to the API. Absent: claims run as fast as slots free (tests that drive the runtime).
   */
  load?: Pick<LoadGauge, 'busy'>;
}

export interface JobRuntimeStats {
  owner: string;
  started: boolean;
  stopping: boolean;
  /** Handlers running now, including ones past their timeout that have not returned yet. */
  running: number;
  /** Handlers past their timeout still running: their jobs are not claimed again here, and they take claim slots. */
  overdue: number;
  /** Claim rounds so far (tick() calls and the poll loop's claims). */
  ticks: number;
  /** Every job claimed and every recorded outcome so far, by tally. */
  totals: TickResult;
}

/** How long stop() lets running handlers finish before it aborts them. */
export const jobStopGraceMs = 2_000;

type Tally = Exclude<keyof TickResult, 'claimed'>;

const emptyResult = (): TickResult => ({ claimed: 0, succeeded: 0, failed: 0, retried: 0, lost: 0 });

/** Most outcomes recorded in one transaction. */
export const recordBatchMax = 64;

interface PendingRecord {
  lease: HeldLease;
  outcome: RecordedOutcome;
  alsoWrite?: JobOutcome['alsoWrite'];
  alsoInsert?: JobRowInsert;
  settle: { resolve: (kept: boolean) => void; reject: (error: unknown) => void };
}

type Settled = { kind: 'returned'; value: JobOutcome | void } | { kind: 'threw'; error: unknown } | { kind: 'timeout' };

export class JobRuntime {
  readonly limits: Readonly<JobLimits>;
  readonly registry: Registry;
  private readonly kinds: string[];
  private readonly metrics: JobMetrics;
  private timer: NodeJS.Timeout | null = null;
  /** A wake() arrived while no poll was scheduled: the next one starts without waiting for the poll interval. */
  private wakeRequested = false;
  /** One per running handler: stop() aborts those still running after its grace period. */
  private readonly controllers = new Set<AbortController>();
  /** The poll loop found every slot taken: the next freed slot starts a claim. */
  private waitingForSlot = false;
  private started = false;
  private stopping = false;
  /** Claims run one after another (each sees the slots the previous one took); handlers run across claims. */
  private claimChain: Promise<unknown> = Promise.resolve();
  /** Claimed jobs whose outcome is not recorded yet: each holds a slot. */
  private unrecorded = 0;
  /** Each claimed job until its outcome is recorded (stop() waits for them). */
  private readonly inFlight = new Set<Promise<Tally>>();
  private runningCount = 0;
  private readonly overdueIds = new Set<string>();
  private ticks = 0;
  private readonly totals = emptyResult();

  private readonly bookkeeping: Bookkeeping;
  /** Outcomes waiting for the next outcome transaction, and whether one is being written. */
  private readonly pendingRecords: PendingRecord[] = [];
  private flushRunning = false;
  /** When the last claim round started (performance.now()). */
  private lastClaimAt = -Infinity;

  constructor(private readonly deps: JobRuntimeDeps) {
    this.bookkeeping = deps.bookkeeping ?? ((work) => deps.db.transaction().execute(work));
    this.limits = Object.freeze({ ...jobLimitsDefault, ...deps.limits });
    assertJobLimits(this.limits);
    if (deps.owner.length === 0) throw new Error('job runtime owner must not be empty');
    this.kinds = Object.keys(deps.handlers);
    this.registry = deps.registry ?? new Registry();
    this.metrics = createJobMetrics(
      this.registry,
      this.kinds,
      () => countDueByKind(deps.db, deps.clock.now()),
      (error) => deps.logger?.warn({ err: error }, 'could not count due jobs for metrics'),
    );
  }

  /**
   * Polls until stop(): every pollIntervalMs, at once again after a claim that filled its free slots, and whenever a
   * slot frees while the poll waits for one. Handlers of earlier claims keep running while later claims fill the other
   * slots, so one slow handler holds one slot, not the loop. The timer does not keep the process alive.
   */
  start(): void {
    if (this.stopping) throw new Error('a stopped job runtime cannot start again');
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /**
   * One bounded round: claim due jobs into the free slots (claimBatchMax less the jobs still running here), run them
   * concurrently, and resolve once every outcome of this round is recorded.
   */
  async tick(): Promise<TickResult> {
    const runs = await this.claim();
    const result = emptyResult();
    result.claimed = runs.length;
    for (const tally of await Promise.all(runs)) result[tally] += 1;
    return result;
  }

  /**
   * Claims at once instead of at the next poll (a feature calls it after committing work for the runtime): a claim
   * starts now if none is running, or right after the one that is, or as soon as a slot frees.
   */
  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.timer === null) {
      this.wakeRequested = true;
      return;
    }
    clearTimeout(this.timer);
    this.schedule(this.claimDelayMs());
  }

  /**
   * Claims nothing more and resolves once every claimed job's outcome is recorded. Handlers still running after
   * `graceMs` are aborted (their signal fires: a webhook delivery drops its request), so a hanging receiver cannot
   * hold a shutdown; their attempts count as failed and run again after the backoff, here or in another process.
   */
  async stop(graceMs = jobStopGraceMs): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.claimChain;
    const abortTimer = setTimeout(() => {
      for (const controller of this.controllers) controller.abort(new Error(`Coffer is shutting down (handler still running after ${graceMs} ms)`));
    }, graceMs);
    try {
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    } finally {
      clearTimeout(abortTimer);
    }
  }

  stats(): JobRuntimeStats {
    return {
      owner: this.deps.owner,
      started: this.started,
      stopping: this.stopping,
      running: this.runningCount,
      overdue: this.overdueIds.size,
      ticks: this.ticks,
      totals: { ...this.totals },
    };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  /** Slots a claim may fill now: claimed jobs not yet recorded and handlers past their timeout each hold one. */
  private freeSlots(): number {
    return this.limits.claimBatchMax - this.unrecorded - this.overdueIds.size;
  }

  /**
   * A poll waiting for slots claims again once half of the usable ones are free (or nothing is running), so that one
   * claim statement takes many jobs instead of one per freed slot.
   */
  private enoughFreeSlots(): boolean {
    const usable = this.limits.claimBatchMax - this.overdueIds.size;
    return this.unrecorded === 0 || this.freeSlots() >= Math.max(1, Math.ceil(usable / 2));
  }

  /** How long the next claim round waits: nothing, unless the load gauge says the process or machine is saturated. */
  private claimDelayMs(): number {
    if (!this.deps.load?.busy()) return 0;
    return Math.max(0, this.lastClaimAt + this.limits.busyClaimGapMs - performance.now());
  }

  private async poll(): Promise<void> {
    this.timer = null;
    if (this.stopping) return;
    let full = false;
    try {
      const limit = this.freeSlots();
      full = limit > 0 && (await this.claim()).length >= limit;
    } catch (error) {
      this.deps.logger?.error({ err: error }, 'job claim round failed');
    }
    if (this.stopping) return;
    const again = full || this.wakeRequested;
    this.wakeRequested = false;
    if (again && !this.enoughFreeSlots()) {
      this.waitingForSlot = true;
      return;
    }
    this.schedule(again ? this.claimDelayMs() : this.limits.pollIntervalMs);
  }

  /** A slot freed: a poll waiting for slots claims once enough are free. */
  private slotFreed(): void {
    if (!this.waitingForSlot || this.stopping || this.timer !== null || !this.enoughFreeSlots()) return;
    this.waitingForSlot = false;
    this.schedule(this.claimDelayMs());
  }

  /** Claims into the free slots (one claim at a time) and starts each job; returns each job's recorded tally. */
  private claim(): Promise<Array<Promise<Tally>>> {
    const next = this.claimChain.then(() => this.claimNow());
    this.claimChain = next.catch(() => undefined);
    return next;
  }

  private async claimNow(): Promise<Array<Promise<Tally>>> {
    if (this.stopping) return [];
    const limit = this.freeSlots();
    if (limit < 1) {
      if (this.overdueIds.size >= this.limits.claimBatchMax) {
        this.deps.logger?.warn({ overdue: this.overdueIds.size }, 'every job slot is held by a handler past its timeout; claiming nothing');
      }
      return [];
    }
    this.lastClaimAt = performance.now();
    const rows = await this.bookkeeping((db) => claimJobs(db, this.deps.store, {
      owner: this.deps.owner,
      now: this.deps.clock.now(),
      leaseMs: this.limits.leaseMs,
      limit,
      kinds: this.kinds,
      excludeIds: [...this.overdueIds],
    }));
    this.ticks += 1;
    this.totals.claimed += rows.length;
    this.unrecorded += rows.length;
    return rows.map((row) => {
      const run = this.runOne(row)
        .catch((error: unknown): Tally => {
          this.deps.logger?.error({ job_id: row.id, err: error }, 'job could not be run; it runs again after its lease ends');
          return 'lost';
        })
        .then((tally) => {
          this.totals[tally] += 1;
          return tally;
        })
        .finally(() => {
          this.unrecorded -= 1;
          this.inFlight.delete(run);
          this.slotFreed();
        });
      this.inFlight.add(run);
      return run;
    });
  }

  private async runOne(row: JobRow): Promise<Tally> {
    const job = toLeasedJob(row, this.limits.attemptsMaxDefault);
    if (job.attempts > job.attemptsMax) {
      // The last attempt's process died mid-job (its lease ended): no attempt is left to run.
      const error = `attempts exhausted: the lease of attempt ${job.attempts - 1} ended without an outcome; last error: ${row.last_error ?? 'none'}`;
      return this.record(job, { state: 'failed', error: truncate(error) });
    }
    const outcome = await this.runHandler(job);
    const now = this.deps.clock.now();
    const also = { alsoWrite: outcome.alsoWrite, alsoInsert: outcome.alsoInsert };
    if (outcome.status === 'done') return this.record(job, { state: 'done' }, also);
    if (outcome.status === 'defer') return this.record(job, { state: 'deferred', dueAt: new Date(now.getTime() + outcome.retryInMs) }, also);
    const error = truncate(outcome.error);
    if (outcome.status === 'fail' || job.attempts >= job.attemptsMax) return this.record(job, { state: 'failed', error }, also);
    const delayMs = outcome.retryInMs ?? backoffDelayMs(job.attempts, this.limits);
    return this.record(job, { state: 'pending', error, dueAt: new Date(now.getTime() + delayMs) }, also);
  }

  /** Runs the handler; a throw, a timeout or an unknown return value is a retry. Never throws. */
  private async runHandler(job: LeasedJob): Promise<JobOutcome> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const handler = this.deps.handlers[job.kind];
    this.metrics.attemptStarted(job.kind);
    this.metrics.running(job.kind, 1);
    this.runningCount += 1;
    const settled: Promise<Settled> = Promise.resolve()
      .then(() => handler(job, { signal: controller.signal, now: this.deps.clock.now() }))
      .then(
        (value): Settled => ({ kind: 'returned', value }),
        (error: unknown): Settled => ({ kind: 'threw', error }),
      )
      .finally(() => {
        this.controllers.delete(controller);
        this.metrics.running(job.kind, -1);
        this.runningCount -= 1;
        if (this.overdueIds.delete(job.id)) this.slotFreed();
      });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Settled>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), this.limits.handlerTimeoutMs);
      timer.unref();
    });
    const first = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    if (first.kind === 'timeout') {
      this.overdueIds.add(job.id);
      const error = `handler timed out after ${this.limits.handlerTimeoutMs} ms`;
      controller.abort(new Error(error));
      return { status: 'retry', error };
    }
    if (first.kind === 'threw') return { status: 'retry', error: errorText(first.error) };
    return checkedOutcome(first.value ?? { status: 'done' });
  }

  /**
   * Queues the outcome for the next outcome transaction: outcomes that arrive while one commits go in the next, up to
   * recordBatchMax each, so a burst of finished deliveries costs one commit, not one per job.
   */
  private recordOutcomeBatched(item: Omit<PendingRecord, 'settle'>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pendingRecords.push({ ...item, settle: { resolve, reject } });
      if (this.flushRunning) return;
      this.flushRunning = true;
      setImmediate(() => void this.flushRecords());
    });
  }

  private async flushRecords(): Promise<void> {
    try {
      while (this.pendingRecords.length > 0) await this.writeRecords(this.pendingRecords.splice(0, recordBatchMax));
    } finally {
      this.flushRunning = false;
    }
  }

  /** One transaction for the batch; if it fails, each outcome on its own (one bad row does not take the others with it). */
  private async writeRecords(batch: PendingRecord[]): Promise<void> {
    const writeOne = async (trx: Transaction<Database>, item: PendingRecord) => {
      if (item.alsoInsert) await insertRows(trx, [item.alsoInsert]);
      await item.alsoWrite?.(trx);
      return recordOutcome(trx, item.lease, item.outcome, this.deps.clock.now());
    };
    // The common case in few statements: the rows of all outcomes, one insert per table; every `done`, one update.
    const writeAll = async (trx: Transaction<Database>) => {
      await insertRows(trx, batch.flatMap((item) => (item.alsoInsert ? [item.alsoInsert] : [])));
      for (const item of batch) await item.alsoWrite?.(trx);
      const done = batch.filter((item) => item.outcome.state === 'done');
      const completed = await recordDoneOutcomes(trx, this.deps.owner, done.map((item) => item.lease), this.deps.clock.now());
      const results: boolean[] = [];
      for (const item of batch) {
        results.push(item.outcome.state === 'done' ? completed.has(item.lease.id) : await recordOutcome(trx, item.lease, item.outcome, this.deps.clock.now()));
      }
      return results;
    };
    try {
      const kept = await this.bookkeeping(writeAll);
      batch.forEach((item, index) => item.settle.resolve(kept[index]));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0].settle.reject(error);
        return;
      }
    }
    for (const item of batch) {
      await this.bookkeeping((trx) => writeOne(trx, item)).then(item.settle.resolve, item.settle.reject);
    }
  }

  private async record(job: LeasedJob, outcome: RecordedOutcome, also: Pick<PendingRecord, 'alsoWrite' | 'alsoInsert'> = {}): Promise<Tally> {
    const log = { job_id: job.id, kind: job.kind, key: job.key, attempts: job.attempts };
    let kept: boolean;
    try {
      kept = await this.recordOutcomeBatched({ lease: { id: job.id, owner: this.deps.owner, attempts: job.attempts }, outcome, ...also });
    } catch (error) {
      this.deps.logger?.error({ ...log, err: error }, 'could not record a job outcome; it runs again after its lease ends');
      return 'lost';
    }
    if (!kept) {
      this.deps.logger?.warn(log, 'job lease passed to another owner before its outcome was recorded; outcome dropped');
      return 'lost';
    }
    if (outcome.state === 'done') return 'succeeded';
    // A deferral is routine (a rate limit had no room), not a failure: counted as retried, not logged.
    if (outcome.state === 'deferred') return 'retried';
    if (outcome.state === 'failed') {
      this.metrics.finallyFailed(job.kind);
      this.deps.logger?.error({ ...log, error: outcome.error }, 'job failed for good');
      return 'failed';
    }
    this.deps.logger?.warn({ ...log, error: outcome.error, due_at: outcome.dueAt.toISOString() }, 'job attempt failed; retrying after backoff');
    return 'retried';
  }
}

/** A delay a handler names: a whole number of milliseconds from 0 up to a year. */
const isDelayMs = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 31_536_000_000;

/** The handler's return value if it is a well-formed outcome, else a retry that says what came back. */
function checkedOutcome(value: JobOutcome): JobOutcome {
  const unknown: JobOutcome = { status: 'retry', error: `handler returned an unknown outcome: ${JSON.stringify(value)}` };
  if (value.alsoWrite !== undefined && typeof value.alsoWrite !== 'function') return unknown;
  if (value.alsoInsert !== undefined && (typeof value.alsoInsert?.table !== 'string' || typeof value.alsoInsert.row !== 'object' || value.alsoInsert.row === null)) {
    return unknown;
  }
  switch (value.status) {
    case 'done':
      return value;
    case 'fail':
      return typeof value.error === 'string' ? value : unknown;
    case 'retry':
      return typeof value.error === 'string' && (value.retryInMs === undefined || isDelayMs(value.retryInMs)) ? value : unknown;
    case 'defer':
      return typeof value.reason === 'string' && isDelayMs(value.retryInMs) ? value : unknown;
    default:
      return unknown;
  }
}

function toLeasedJob(row: JobRow, attemptsMaxDefault: number): LeasedJob {
  return {
    id: row.id,
    kind: row.kind,
    key: row.key,
    payload: JSON.parse(row.payload),
    attempts: row.attempts,
    attemptsMax: row.attempts_max ?? attemptsMaxDefault,
    dueAt: new Date(row.due_at),
    leaseExpiresAt: new Date(row.lease_expires_at ?? row.due_at),
    createdAt: new Date(row.created_at),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const truncate = (text: string) => (text.length > jobLastErrorLengthMax ? `${text.slice(0, jobLastErrorLengthMax - 1)}…` : text);

/** Rows per insert statement: well inside SQLite's bound-parameter limit for any of Coffer's tables. */
const insertRowsMax = 100;

/** The rows, one multi-row insert per table (and per insertRowsMax rows). */
async function insertRows(trx: Transaction<Database>, inserts: readonly JobRowInsert[]): Promise<void> {
  const byTable = new Map<string, unknown[]>();
  for (const { table, row } of inserts) byTable.set(table, [...(byTable.get(table) ?? []), row]);
  for (const [table, rows] of byTable) {
    for (let index = 0; index < rows.length; index += insertRowsMax) {
      // The union of tables is too wide for kysely's types; each row was typed against its own table by JobRowInsert.
      await trx.insertInto(table as 'jobs').values(rows.slice(index, index + insertRowsMax) as never).execute();
    }
  }
}
