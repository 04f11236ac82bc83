// Wire schemas of the delivery log and redelivery routes; they validate requests and document the API.
import { type Static, Type } from '@sinclair/typebox';

export const attemptPageSizeDefault = 50;
export const attemptPageSizeMax = 100;
/** Most events one redelivery request enqueues. */
export const redeliveryEventsMax = 10_000;

/** Text without control characters (ids, iterators). */
const idText = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001F\\u007F]*$', description });

export const WebhookIdParams = Type.Object({ webhook_id: idText('Webhook endpoint id, whk_…') }, { additionalProperties: false });

export const AttemptListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: attemptPageSizeMax, default: attemptPageSizeDefault, description: 'Attempts per page.' })),
    iterator: Type.Optional(idText('The `iterator` of the previous page: the page after it.')),
    event_id: Type.Optional(idText('Only the attempts of this event, evt_…')),
  },
  { additionalProperties: false },
);
export type AttemptListQuery = Static<typeof AttemptListQuery>;

export const WebhookAttempt = Type.Object({
  id: Type.String({ description: 'wha_…' }),
  event_id: Type.String(),
  attempt: Type.Integer({ minimum: 1, description: '1 for the first attempt of this delivery job.' }),
  started_at: Type.String({ format: 'date-time' }),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status, or null when it did not answer." }),
  latency_ms: Type.Union([Type.Integer(), Type.Null()], { description: 'From sending to the answer or failure; null for a skipped attempt.' }),
  outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('skipped')]),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed or was skipped.' }),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the next attempt is due, or null when this was the last.' }),
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const AttemptListResponse = Type.Object({
  data: Type.Array(WebhookAttempt),
  iterator: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `iterator` for the next page; null on the last page.' }),
  done: Type.Boolean(),
});

export const RedeliverBody = Type.Object(
  {
    event_id: Type.Optional(idText('Send this event again, evt_…')),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: `Send again every event the endpoint subscribes to created at or after this time (the oldest ${redeliveryEventsMax} of them).` }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of event_id or since.', examples: [{ since: '2025-01-01T00:00:00Z' }] },
);
export type RedeliverBody = Static<typeof RedeliverBody>;

export const RedeliverResponse = Type.Object({
  enqueued: Type.Integer({ minimum: 0, description: 'Deliveries enqueued, one per event.' }),
  truncated: Type.Boolean({ description: `True when more than ${redeliveryEventsMax} events matched: call again with a later since.` }),
});
