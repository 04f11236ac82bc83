// An outbox event as a row, and the exact bytes every delivery and the feed send for it.
import type { EventsTable } from '../db/schema.ts';
import type { OutboxEventType } from './event-types.ts';

/** An event as written (the store gives `seq`). */
export type EventRow = Omit<EventsTable, 'seq'>;

export interface NewEvent {
  id: string;
  businessId: string;
  type: OutboxEventType;
  customerId: string | null;
  createdAt: string;
  /** The envelope's `data`: a JSON object whose `payload_type` names its shape. */
  data: { payload_type: string } & Record<string, unknown>;
}

/** The row to write in the transaction of the change the event reports (not yet in the feed). */
export function eventRow(event: NewEvent): EventRow {
  return {
    id: event.id,
    business_id: event.businessId,
    type: event.type,
    customer_id: event.customerId,
    data: JSON.stringify(event.data),
    created_at: event.createdAt,
    feed_seq: null,
  };
}

/**
 * The Standard Webhooks body `{business_id, type, timestamp, data}`, built around the stored `data` text, so that every
 * delivery of an event carries the same bytes (and the same signature input but for the timestamp).
 */
export function envelopeBody(row: Pick<EventRow, 'business_id' | 'type' | 'created_at' | 'data'>): string {
  return `{"business_id":${JSON.stringify(row.business_id)},"type":${JSON.stringify(row.type)},"timestamp":${JSON.stringify(row.created_at)},"data":${row.data}}`;
}
