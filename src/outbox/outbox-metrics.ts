// The outbox's metrics for /metrics: events dispatched by this process, and events not yet dispatched (all processes).
import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { EventDispatcher } from './event-dispatcher.ts';

export function registerOutboxMetrics(registry: Registry, deps: { db: Kysely<Database>; clock: Clock; dispatcher: EventDispatcher; onError: (error: unknown) => void }): void {
  new Counter({
    name: 'coffer_events_dispatched_total',
    help: 'Events this process put in the feed (and handed to their webhook endpoints)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(deps.dispatcher.stats.events);
    },
  });
  new Gauge({
    name: 'coffer_events_undispatched',
    help: 'Committed events not yet in the feed (all processes); stays near 0 while a dispatcher runs',
    registers: [registry],
    async collect() {
      try {
        const row = await deps.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('count')).where('feed_seq', 'is', null).executeTakeFirst();
        this.set(Number(row?.count ?? 0));
      } catch (error) {
        deps.onError(error);
      }
    },
  });
  new Gauge({
    name: 'coffer_events_undispatched_age_seconds',
    help: 'Age of the oldest committed event not yet in the feed (0 when none)',
    registers: [registry],
    async collect() {
      try {
        const row = await deps.db.selectFrom('events').select('created_at').where('feed_seq', 'is', null).orderBy('seq').limit(1).executeTakeFirst();
        this.set(row ? Math.max(0, (deps.clock.now().getTime() - Date.parse(row.created_at)) / 1000) : 0);
      } catch (error) {
        deps.onError(error);
      }
    },
  });
}
