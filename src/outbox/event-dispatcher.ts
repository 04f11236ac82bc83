// The dispatcher: gives committed events their place in the feed and hands them to their subscribers (as jobs), in
// one transaction per round, serialised across processes by the row lock on event_feed_state.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Bookkeeping } from '../db/bookkeeping.ts';
import type { Database } from '../db/schema.ts';
import { enqueueJobs, type EnqueueJobInput } from '../jobs/enqueue.ts';
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { EventRow } from './event-row.ts';

/** The jobs a round's events call for (one delivery per event and subscribed endpoint), read in the round's transaction. */
export type FanOut = (trx: Transaction<Database>, events: readonly EventRow[], now: Date) => Promise<EnqueueJobInput[]>;

export interface DispatcherLimits {
  /** Most events one round takes. */
  batchMax: number;
  /** Least time between two rounds started by wake() (events committed meanwhile go in one round). */
  wakeGapMs: number;
  /** Rounds run at least this often, for events committed by a process that died before dispatching them. */
  pollIntervalMs: number;
}

export const dispatcherLimitsDefault: Readonly<DispatcherLimits> = Object.freeze({ batchMax: 500, wakeGapMs: 20, pollIntervalMs: 1_000 });

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
}

export interface DispatchResult {
  events: number;
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

  /** Dispatches until no undispatched event is left (tests and `coffer webhooks` commands). */
  async drain(): Promise<DispatchResult> {
    const total: DispatchResult = { events: 0, jobs: 0 };
    for (;;) {
      const result = await this.dispatch();
      total.events += result.events;
      total.jobs += result.jobs;
      if (result.events < this.limits.batchMax) return total;
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
    this.scheduleIn(again ? this.limits.wakeGapMs : this.limits.pollIntervalMs);
  }

  private async round(): Promise<DispatchResult> {
    const { db, clock, newId, fanOut } = this.deps;
    // A read first, so that an idle store sees no write (and no lock) at each poll.
    const pending = await db.selectFrom('events').select('id').where('feed_seq', 'is', null).limit(1).executeTakeFirst();
    if (pending === undefined) return { events: 0, jobs: 0 };
    const inTransaction = this.deps.bookkeeping ?? ((work) => db.transaction().execute(work));
    return inTransaction(async (trx) => {
      const now = clock.now();
      // The row lock (PostgreSQL) or the write lock (SQLite) is held from here to commit: one dispatcher at a time.
      const state = await trx
        .updateTable('event_feed_state')
        .set({ updated_at: now.toISOString() })
        .where('id', '=', 1)
        .returning('next_seq')
        .executeTakeFirstOrThrow();
      const events = await trx
        .selectFrom('events')
        .selectAll()
        .where('feed_seq', 'is', null)
        .orderBy('seq')
        .limit(this.limits.batchMax)
        .execute();
      if (events.length === 0) return { events: 0, jobs: 0 };
      const first = Number(state.next_seq);
      const positions = events.map((event, index) => sql`(cast(${event.id} as text), cast(${first + index} as bigint))`);
      await sql`with v(id, seq) as (values ${sql.join(positions)})
                update events set feed_seq = (select v.seq from v where v.id = events.id)
                 where id in (select v.id from v)`.execute(trx);
      await trx.updateTable('event_feed_state').set({ next_seq: first + events.length }).where('id', '=', 1).execute();
      const jobs = await fanOut(trx, events, now);
      const { created } = await enqueueJobs(trx, jobs, { newId, now });
      return { events: events.length, jobs: created };
    });
  }
}
