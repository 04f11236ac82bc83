// JobRuntime: claims due jobs under a lease in bounded rounds, runs their handlers with a timeout, records each outcome, stops cleanly.
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import type { StoreKind } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type JobLimits, assertJobLimits, backoffDelayMs, jobLastErrorLengthMax, jobLimitsDefault } from './job-limits.ts';
import { type JobMetrics, createJobMetrics } from './job-metrics.ts';
import { type JobRow, type RecordedOutcome, claimJobs, countDueByKind, recordOutcome } from './job-store.ts';
import type { JobHandler, JobOutcome, LeasedJob, TickResult } from './job-types.ts';

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
}

export interface JobRuntimeStats {
  owner: string;
  started: boolean;
  stopping: boolean;
  /** Handlers running now, including ones past their timeout that have not returned yet. */
  running: number;
  /** Handlers past their timeout still running: their jobs are not claimed again here, and they take claim slots. */
  overdue: number;
  ticks: number;
  /** Sums of every round's TickResult. */
  totals: TickResult;
}

type Tally = Exclude<keyof TickResult, 'claimed'>;

const emptyResult = (): TickResult => ({ claimed: 0, succeeded: 0, failed: 0, retried: 0, lost: 0 });

type Settled = { kind: 'returned'; value: JobOutcome | void } | { kind: 'threw'; error: unknown } | { kind: 'timeout' };

export class JobRuntime {
  readonly limits: Readonly<JobLimits>;
  readonly registry: Registry;
  private readonly kinds: string[];
  private readonly metrics: JobMetrics;
  private timer: NodeJS.Timeout | null = null;
  /** A wake() arrived during a round: the next one starts without waiting for the poll interval. */
  private wakeRequested = false;
  private started = false;
  private stopping = false;
  /** Rounds run one after another: a round's handlers all settle (or time out) before the next claim. */
  private tickChain: Promise<unknown> = Promise.resolve();
  private runningCount = 0;
  private readonly overdueIds = new Set<string>();
  private ticks = 0;
  private readonly totals = emptyResult();

  constructor(private readonly deps: JobRuntimeDeps) {
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

  /** Polls every pollIntervalMs (at once again after a full round) until stop(). The timer does not keep the process alive. */
  start(): void {
    if (this.stopping) throw new Error('a stopped job runtime cannot start again');
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** One bounded round: claim up to claimBatchMax due jobs, run them concurrently, record every outcome. */
  tick(): Promise<TickResult> {
    const round = this.tickChain.then(() => this.claimAndRun());
    this.tickChain = round.catch(() => undefined);
    return round;
  }

  /**
   * Claims at once instead of at the next poll (a feature calls it after committing work for the runtime): a round
   * starts now if none is running, or right after the one that is.
   */
  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.timer === null) {
      this.wakeRequested = true;
      return;
    }
    clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Claims nothing more and resolves once the round in progress has settled (each handler within handlerTimeoutMs). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.tickChain;
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

  private async poll(): Promise<void> {
    this.timer = null;
    let claimed = 0;
    try {
      claimed = (await this.tick()).claimed;
    } catch (error) {
      this.deps.logger?.error({ err: error }, 'job claim round failed');
    }
    const again = claimed >= this.limits.claimBatchMax || this.wakeRequested;
    this.wakeRequested = false;
    if (!this.stopping) this.schedule(again ? 0 : this.limits.pollIntervalMs);
  }

  private async claimAndRun(): Promise<TickResult> {
    const result = emptyResult();
    if (this.stopping) return result;
    const limit = this.limits.claimBatchMax - this.overdueIds.size;
    if (limit < 1) {
      this.deps.logger?.warn({ overdue: this.overdueIds.size }, 'every job slot is held by a handler past its timeout; claiming nothing');
      return result;
    }
    const rows = await claimJobs(this.deps.db, this.deps.store, {
      owner: this.deps.owner,
      now: this.deps.clock.now(),
      leaseMs: this.limits.leaseMs,
      limit,
      kinds: this.kinds,
      excludeIds: [...this.overdueIds],
    });
    result.claimed = rows.length;
    const tallies = await Promise.all(
      rows.map((row) =>
        this.runOne(row).catch((error: unknown): Tally => {
          this.deps.logger?.error({ job_id: row.id, err: error }, 'job could not be run; it runs again after its lease ends');
          return 'lost';
        }),
      ),
    );
    for (const tally of tallies) result[tally] += 1;
    this.ticks += 1;
    for (const field of Object.keys(result) as Array<keyof TickResult>) this.totals[field] += result[field];
    return result;
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
    if (outcome.status === 'done') return this.record(job, { state: 'done' });
    const error = truncate(outcome.error);
    if (outcome.status === 'fail' || job.attempts >= job.attemptsMax) return this.record(job, { state: 'failed', error });
    return this.record(job, { state: 'pending', error, dueAt: new Date(now.getTime() + backoffDelayMs(job.attempts, this.limits)) });
  }

  /** Runs the handler; a throw, a timeout or an unknown return value is a retry. Never throws. */
  private async runHandler(job: LeasedJob): Promise<JobOutcome> {
    const controller = new AbortController();
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
        this.metrics.running(job.kind, -1);
        this.runningCount -= 1;
        this.overdueIds.delete(job.id);
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
    const value = first.value ?? { status: 'done' };
    if (value.status === 'done') return value;
    if ((value.status === 'retry' || value.status === 'fail') && typeof value.error === 'string') return value;
    return { status: 'retry', error: `handler returned an unknown outcome: ${JSON.stringify(value)}` };
  }

  private async record(job: LeasedJob, outcome: RecordedOutcome): Promise<Tally> {
    const log = { job_id: job.id, kind: job.kind, key: job.key, attempts: job.attempts };
    let kept: boolean;
    try {
      kept = await recordOutcome(this.deps.db, { id: job.id, owner: this.deps.owner, attempts: job.attempts }, outcome, this.deps.clock.now());
    } catch (error) {
      this.deps.logger?.error({ ...log, err: error }, 'could not record a job outcome; it runs again after its lease ends');
      return 'lost';
    }
    if (!kept) {
      this.deps.logger?.warn(log, 'job lease passed to another owner before its outcome was recorded; outcome dropped');
      return 'lost';
    }
    if (outcome.state === 'done') return 'succeeded';
    if (outcome.state === 'failed') {
      this.metrics.finallyFailed(job.kind);
      this.deps.logger?.error({ ...log, error: outcome.error }, 'job failed for good');
      return 'failed';
    }
    this.deps.logger?.warn({ ...log, error: outcome.error, due_at: outcome.dueAt.toISOString() }, 'job attempt failed; retrying after backoff');
    return 'retried';
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
