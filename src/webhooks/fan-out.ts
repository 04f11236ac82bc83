// Which endpoints get an event: the business's enabled endpoints, created at or before the event, whose filter_types
// include its type (or are empty). Fan-out may run well after the event under load; an endpoint created meanwhile does
// not get older events (redelivery can send them: docs/webhooks.md).
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EnqueueJobInput } from '../jobs/enqueue.ts';
import type { FanOutEvent } from '../outbox/event-dispatcher.ts';
import { type DeliveryJobPayload, webhookAttemptsMax, webhookDeliveryJobKind } from './delivery-schedule.ts';

/**
 * One delivery job per event and subscribed endpoint, due now, listed per event (in the events' order); its key makes
 * a second fan-out of the event a no-op.
 */
export async function webhookFanOut(trx: Transaction<Database>, events: readonly FanOutEvent[], now: Date): Promise<EnqueueJobInput[][]> {
  const businessIds = [...new Set(events.map((event) => event.business_id))];
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'business_id', 'filter_types', 'created_at'])
    .where('business_id', 'in', businessIds)
    .where('disabled', '=', 0)
    .orderBy('id')
    .execute();
  if (endpoints.length === 0) return events.map(() => []);
  const subscribed = endpoints.map((endpoint) => ({
    id: endpoint.id,
    businessId: endpoint.business_id,
    createdAt: endpoint.created_at,
    types: new Set(JSON.parse(endpoint.filter_types) as string[]),
  }));
  return events.map((event) => {
    const jobs: EnqueueJobInput[] = [];
    for (const endpoint of subscribed) {
      if (endpoint.businessId !== event.business_id || event.created_at < endpoint.createdAt) continue;
      if (endpoint.types.size > 0 && !endpoint.types.has(event.type)) continue;
      const payload: DeliveryJobPayload = { event_id: event.id, endpoint_id: endpoint.id };
      jobs.push({ kind: webhookDeliveryJobKind, key: `${event.id}:${endpoint.id}`, dueAt: now, payload, attemptsMax: webhookAttemptsMax });
    }
    return jobs;
  });
}
