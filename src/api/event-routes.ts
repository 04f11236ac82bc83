// HTTP routes of the events feed (a Coffer extension): catch up on events without waiting for redelivery.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { AnyEvent } from '../outbox/event-schemas.ts';
import { outboxEventTypes } from '../outbox/event-types.ts';
import { type FeedService, feedPageSizeDefault, feedPageSizeMax } from '../outbox/feed-service.ts';

const EventId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$', description: 'Event id, evt_…' });
const typeAlternatives = outboxEventTypes.map((t) => t.replaceAll('.', '\\.')).join('|');
const typesPattern = `^(${typeAlternatives})(,(${typeAlternatives}))*$`;

const FeedQuery = Type.Object(
  {
    after: Type.Optional(Type.Union([EventId], { description: 'Return events after this one (exclusive); omit to start at the oldest.' })),
    types: Type.Optional(
      Type.String({ pattern: typesPattern, maxLength: 1000, description: `Comma-separated event types to include: ${outboxEventTypes.join(', ')}.` }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: feedPageSizeMax, default: feedPageSizeDefault, description: `At most ${feedPageSizeMax}.` })),
  },
  { additionalProperties: false },
);

const FeedPage = Type.Object({
  data: Type.Array(AnyEvent),
  iterator: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` to read on; the last event of this page.' }),
  done: Type.Boolean({ description: 'True when the page is short: nothing more for now.' }),
});

export const eventRoutes =
  (feed: FeedService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Events'];
    // Coffer's own operations: the SDK has no method for them (its examples call them with the generic client).
    const extension = { 'x-coffer-extension': true };
    app.get(
      '/events',
      {
        config: { access: 'read' },
        schema: {
          ...extension,
          tags,
          summary: 'List events in feed order, after a given event (Coffer extension)',
          querystring: FeedQuery,
          response: { 200: FeedPage, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const { after, types, limit = feedPageSizeDefault } = request.query;
        const result = await feed.list(request.principal.businessId, {
          after,
          types: types === undefined ? undefined : (types.split(',') as typeof outboxEventTypes[number][]),
          limit,
        });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/events/:event_id',
      {
        config: { access: 'read' },
        schema: {
          ...extension,
          tags,
          summary: 'Retrieve one event (Coffer extension)',
          params: Type.Object({ event_id: EventId }, { additionalProperties: false }),
          response: { 200: AnyEvent, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await feed.retrieve(request.principal.businessId, request.params.event_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
