// The dispatcher: gives committed events their place in the feed and hands them to their subscribers (as jobs), in
// one transaction per round, serialised across processes by the row lock on event_feed_state. The hand-over (fan-out)
// follows the feed with its own cursor: while the API is busy it takes only what the job runtime will claim meanwhile.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Bookkeeping } from '../db/bookkeeping.ts';
import type { Database } from '../db/schema.ts';
import { enqueueJobs, type EnqueueJobInput } from '../jobs/enqueue.ts';
import type { LoadGauge } from '../jobs/load-gauge.ts';
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { EventRow } from './event-row.ts';

/**
 * The jobs each of a round's events calls for (one delivery per subscribed endpoint), in the events' order, read in the
 * round's transaction.
 */
export type FanOut = (trx: Transaction<Database>, events: readonly FanOutEvent[], now: Date) => Promise<EnqueueJobInput[][]>;

/** What the fan-out reads of an event (not its payload: deliveries read that when they run). */
export type FanOutEvent = Pick<EventRow, 'id' | 'business_id' | 'type' | 'customer_id' | 'created_at'>;

/** Several fan-outs as one: each event's jobs are theirs concatenated, in the order given. */
export function mergeFanOuts(...fanOuts: readonly FanOut[]): FanOut {
  return async (trx, events, now) => {
    const perFanOut: EnqueueJobInput[][][] = [];
    for (const fanOut of fanOuts) perFanOut.push(await fanOut(trx, events, now));
    return events.map((_event, index) => perFanOut.flatMap((jobs) => jobs[index] ?? []));
  };
}

export interface DispatcherLimits {
  /** Most events one round takes. */
  batchMax: number;
  /** Least time between two rounds started by wake() (events committed meanwhile go in one round). */
  wakeGapMs: number;
  /** Rounds run at least this often, for events committed by a process that died before dispatching them. */
  pollIntervalMs: number;
  /**
   * While the load gauge says busy: most delivery jobs made per busyFanOutGapMs (the job runtime's claim pace). Events
   * nobody subscribes to pass the cursor freely.
   */
  busyFanOutMax: number;
  busyFanOutGapMs: number;
}

export const dispatcherLimitsDefault: Readonly<DispatcherLimits> = Object.freeze({
  batchMax: 500,
  wakeGapMs: 20,
  pollIntervalMs: 1_000,
  busyFanOutMax: 16,
  busyFanOutGapMs: 100,
});

export interface DispatcherLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface DispatcherDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  fanOut: FanOut;
  limits?: Partial<DispatcherLimits>;
  logger?: DispatcherLogger;
  /** Called after a round that enqueued jobs committed (the composition root wakes the job runtime). */
  onJobs?: () => void;
  /**
   * The transaction a round runs in: bookkeepingFor(store), which commits without waiting for the disk (a round lost
   * in a power cut is done again with the same feed positions, in seq order, and re-enqueues the same job keys).
   * A plain transaction when absent.
   */
  bookkeeping?: Bookkeeping;
  /** Says when the API is busy (src/jobs/load-gauge.ts): fan-out then keeps to busyFanOutMax per busyFanOutGapMs. */
  load?: Pick<LoadGauge, 'busy'>;
}

export interface DispatchResult {
  /** Events given their feed position. */
  events: number;
  /** Delivery jobs created by the fan-out. */
  jobs: number;
}

export class EventDispatcher {
  readonly limits: Readonly<DispatcherLimits>;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = 0;
  private running: Promise<DispatchResult> | null = null;
  private again = false;
  private started = false;
  private stopping = false;
  private lastStartedAt = 0;
  private totals: DispatchResult = { events: 0, jobs: 0 };
  /** Dispatched events wait for the fan-out (or may: unknown until the first round). */
  private fanOutBehind = true;
  private lastBusyFanOutAt = -Infinity;

  constructor(private readonly deps: DispatcherDeps) {
    this.limits = Object.freeze({ ...dispatcherLimitsDefault, ...deps.limits });
  }

  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.scheduleIn(0);
  }

  /** Events were committed: dispatch them soon (within wakeGapMs), in one round with any others committed meanwhile. */
  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.scheduleIn(Math.max(0, this.lastStartedAt + this.limits.wakeGapMs - performance.now()));
  }

  /**
   * One round, now: dispatches up to batchMax events and returns how many (tests call it directly). Rounds never
   * overlap in one process; a round in progress is awaited first.
   */
  async dispatch(): Promise<DispatchResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.lastStartedAt = performance.now();
    this.running = this.round();
    try {
      const result = await this.running;
      this.totals = { events: this.totals.events + result.events, jobs: this.totals.jobs + result.jobs };
      if (result.jobs > 0) this.deps.onJobs?.();
      return result;
    } finally {
      this.running = null;
    }
  }

  /** Dispatches and fans out until no event is left waiting for either (tests and `coffer webhooks` commands). */
  async drain(): Promise<DispatchResult> {
    const total: DispatchResult = { events: 0, jobs: 0 };
    for (;;) {
      const result = await this.dispatch();
      total.events += result.events;
      total.jobs += result.jobs;
      if (result.events < this.limits.batchMax && !this.fanOutBehind) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  get stats(): Readonly<DispatchResult> {
    return this.totals;
  }

  private scheduleIn(delayMs: number): void {
    const dueAt = performance.now() + delayMs;
    if (this.timer !== null) {
      if (this.timerDueAt <= dueAt) return;
      clearTimeout(this.timer);
    }
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = null;
    let full = false;
    try {
      full = (await this.dispatch()).events >= this.limits.batchMax;
    } catch (error) {
      this.deps.logger?.error({ err: error }, 'event dispatch round failed; retrying at the next poll');
    }
    if (this.stopping) return;
    const again = full || this.again;
    this.again = false;
    // Behind only on the fan-out: while busy, the next share of the budget comes after the gap.
    const behindMs = this.deps.load?.busy() ? this.limits.busyFanOutGapMs : this.limits.wakeGapMs;
    this.scheduleIn(again ? this.limits.wakeGapMs : this.fanOutBehind ? behindMs : this.limits.pollIntervalMs);
  }

  /** How many delivery jobs this round may make: any number, or while busy a share at the claim pace. */
  private jobBudget(): number {
    if (!this.deps.load?.busy()) return Number.POSITIVE_INFINITY;
    return performance.now() - this.lastBusyFanOutAt < this.limits.busyFanOutGapMs ? 0 : this.limits.busyFanOutMax;
  }

  private async round(): Promise<DispatchResult> {
    const { db, clock, newId, fanOut } = this.deps;
    // A read first, so that an idle store sees no write (and no lock) at each poll.
    if (!this.fanOutBehind) {
      const pending = await db.selectFrom('events').select('id').where('feed_seq', 'is', null).limit(1).executeTakeFirst();
      if (pending === undefined) return { events: 0, jobs: 0 };
    }
    const budget = this.jobBudget();
    const inTransaction = this.deps.bookkeeping ?? ((work) => db.transaction().execute(work));
    // Set from what a round saw; a round that fails leaves the next one to look again.
    this.fanOutBehind = true;
    return inTransaction(async (trx) => {
      const now = clock.now();
      // The row lock (PostgreSQL) or the write lock (SQLite) is held from here to commit: one dispatcher at a time.
      const state = await trx
        .updateTable('event_feed_state')
        .set({ updated_at: now.toISOString() })
        .where('id', '=', 1)
        .returning(['next_seq', 'fanned_out_seq'])
        .executeTakeFirstOrThrow();
      const events = await trx
        .selectFrom('events')
        .selectAll()
        .where('feed_seq', 'is', null)
        .orderBy('seq')
        .limit(this.limits.batchMax)
        .execute();
      const first = Number(state.next_seq);
      if (events.length > 0) {
        const positions = events.map((event, index) => sql`(cast(${event.id} as text), cast(${first + index} as bigint))`);
        await sql`with v(id, seq) as (values ${sql.join(positions)})
                  update events set feed_seq = (select v.seq from v where v.id = events.id)
                   where id in (select v.id from v)`.execute(trx);
      }
      const nextSeq = first + events.length;
      // Feed positions are dense: the fan-out takes the next of them in feed order, up to batchMax, and stops before
      // the first event whose jobs would pass the budget.
      const fannedOut = Number(state.fanned_out_seq);
      const upTo = Math.min(nextSeq, fannedOut + this.limits.batchMax);
      let candidates: FanOutEvent[] = [];
      if (upTo > fannedOut && budget > 0) {
        // Caught up: the events just placed are the ones to hand over, no need to read them back.
        candidates =
          fannedOut === first
            ? events.slice(0, upTo - first)
            : await trx
                .selectFrom('events')
                .select(['id', 'business_id', 'type', 'customer_id', 'created_at'])
                .where('feed_seq', '>=', fannedOut)
                .where('feed_seq', '<', upTo)
                .orderBy('feed_seq')
                .execute();
      }
      const perEvent = candidates.length > 0 ? await fanOut(trx, candidates, now) : [];
      const jobs: EnqueueJobInput[] = [];
      let handed = 0;
      for (const eventJobs of perEvent) {
        if (eventJobs.length > 0 && jobs.length + eventJobs.length > budget) break;
        jobs.push(...eventJobs);
        handed += 1;
      }
      const advanced = fannedOut + handed;
      if (events.length > 0 || advanced !== fannedOut) {
        await trx.updateTable('event_feed_state').set({ next_seq: nextSeq, fanned_out_seq: advanced }).where('id', '=', 1).execute();
      }
      const { created } = await enqueueJobs(trx, jobs, { newId, now });
      if (jobs.length > 0 && Number.isFinite(budget)) this.lastBusyFanOutAt = performance.now();
      return { events: events.length, jobs: created, behind: advanced < nextSeq };
    }).then(({ behind, ...result }) => {
      this.fanOutBehind = behind;
      return result;
    });
  }
}
