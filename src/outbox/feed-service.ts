// The events feed: a business's events in the order they became visible, for receivers catching up after downtime.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { EventRow } from './event-row.ts';
import type { OutboxEventType } from './event-types.ts';
import type { OutboxErrorCode } from './outbox-errors.ts';

export const feedPageSizeMax = 100;
export const feedPageSizeDefault = 50;

/** An event as the feed shows it: its id (the webhook-id) and the very envelope its deliveries carry. */
export interface FeedEvent {
  id: string;
  business_id: string;
  type: OutboxEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface FeedPage {
  data: FeedEvent[];
  /** The last event's id: pass it as `after` for the next page (the `after` given when the page is empty). */
  iterator: string | null;
  /** Fewer events than asked for: the feed has nothing more for now. */
  done: boolean;
}

export interface FeedQuery {
  after?: string;
  types?: readonly OutboxEventType[];
  limit: number;
}

/** The fields of envelopeBody(row), with its id: the same values its deliveries carry, parsed once. */
export function toFeedEvent(row: EventRow): FeedEvent {
  return { id: row.id, business_id: row.business_id, type: row.type as OutboxEventType, timestamp: row.created_at, data: JSON.parse(row.data) };
}

export class FeedService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Events after `after` (exclusive), oldest first; only dispatched events are in the feed (within a poll interval of commit). */
  async list(businessId: string, query: FeedQuery): Promise<Result<FeedPage, OutboxErrorCode>> {
    let from = 0;
    if (query.after !== undefined) {
      const anchor = await this.db.selectFrom('events').select('feed_seq').where('id', '=', query.after).where('business_id', '=', businessId).executeTakeFirst();
      if (!anchor || anchor.feed_seq === null) return err('EVENT_NOT_FOUND', `Event ${query.after} not found in the feed`);
      from = Number(anchor.feed_seq);
    }
    let select = this.db
      .selectFrom('events')
      .selectAll()
      .where('business_id', '=', businessId)
      .where('feed_seq', '>', from)
      .orderBy('feed_seq')
      .limit(query.limit);
    if (query.types && query.types.length > 0) select = select.where('type', 'in', [...query.types]);
    const rows = await select.execute();
    return ok({
      data: rows.map(toFeedEvent),
      iterator: rows.at(-1)?.id ?? query.after ?? null,
      done: rows.length < query.limit,
    });
  }

  async retrieve(businessId: string, eventId: string): Promise<Result<FeedEvent, OutboxErrorCode>> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', eventId).where('business_id', '=', businessId).executeTakeFirst();
    return row ? ok(toFeedEvent(row)) : err('EVENT_NOT_FOUND', `Event ${eventId} not found`);
  }
}
