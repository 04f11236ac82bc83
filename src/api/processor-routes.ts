// The HTTP processor's callback (Coffer extension): POST /processor/events, called by the merchant's processor service,
// authenticated by a Standard Webhooks signature with COFFER_PAYMENT_PROCESSOR_SECRET instead of an API key. The body
// is kept as received (the signature covers its bytes) and checked before it is validated.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ProcessorEventAnswer, ProcessorEventBody } from '../billing/processor-event-schemas.ts';
import type { ProcessorEvent, ProcessorEventService } from '../billing/processor-event-service.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { HttpError } from '../http/errors.ts';
import { decodeJsonBody, parseJsonBody } from '../http/json-body.ts';
import { sendErr } from '../http/reply.ts';
import type { Clock } from '../shared/clock.ts';
import { verifyProcessorSignature } from '../payments/processor-signature.ts';

export interface ProcessorRouteDeps {
  events: ProcessorEventService;
  clock: Clock;
  /** COFFER_PAYMENT_PROCESSOR_SECRET; null: the route answers 422 PAYMENT_PROCESSOR_NOT_CONFIGURED. */
  secret: string | null;
}

export const processorRoutes =
  (deps: ProcessorRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // This plugin's own JSON parser (encapsulated: other routes keep theirs) also keeps the text the signature covers.
    const bodies = new WeakMap<FastifyRequest, string>();
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      try {
        const text = decodeJsonBody(body as Buffer);
        bodies.set(request, text);
        done(null, parseJsonBody(text));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    app.post(
      '/processor/events',
      {
        config: { access: 'public' },
        // Signature first: an unsigned request learns nothing about what a valid body looks like.
        preValidation: async (request) => {
          if (deps.secret === null) throw new HttpError('PAYMENT_PROCESSOR_NOT_CONFIGURED', 'The HTTP payment processor is not configured (COFFER_PAYMENT_PROCESSOR_SECRET)');
          const verified = verifyProcessorSignature({ headers: request.headers, body: bodies.get(request) ?? '' }, deps.secret, deps.clock.now());
          if (!verified.ok) throw new HttpError(verified.code, verified.message);
        },
        schema: {
          'x-coffer-extension': true,
          tags: ['Disputes'],
          summary: 'The HTTP processor reports a dispute, its outcome, a reversal or a card refund that failed late; signed with Standard Webhooks, no API key (Coffer extension)',
          security: [],
          body: ProcessorEventBody,
          response: { 200: ProcessorEventAnswer, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const eventId = request.headers['webhook-id'] as string;
        const result = await deps.events.receive(eventId, bodies.get(request)!, request.body as ProcessorEvent);
        if (!result.ok) return sendErr(reply, result);
        if (result.value.replayed) reply.header('x-idempotent-replay', 'true');
        const { replayed: _replayed, ...answer } = result.value;
        return answer;
      },
    );
  };
