// The delivery log and redelivery as the API and the CLI use them: Result values, business-scoped where asked.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { enqueueJobs } from '../jobs/enqueue.ts';
import { isoTimestamp, type Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes, randomBase62 } from '../shared/ids.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { DeliveryErrorCode } from './delivery-errors.ts';
import { sendSigned, type DeliveryHandlerDeps } from './delivery-handler.ts';
import type { WebhookResponse } from './delivery-http.ts';
import { type AttemptRow, type EndpointRow, eventIdsSince, findEndpoint, findEvent, listAttempts } from './delivery-repo.ts';
import { type DeliveryJobPayload, webhookAttemptsMax, webhookDeliveryJobKind } from './delivery-schedule.ts';
import { type AttemptListQuery, type WebhookAttempt, attemptPageSizeDefault, redeliveryEventsMax } from './delivery-schemas.ts';

export interface DeliveryServiceDeps extends Pick<DeliveryHandlerDeps, 'allowPrivateUrls' | 'timeoutMs' | 'logger'> {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  /** Called after a redelivery enqueued jobs (the composition root wakes the job runtime). */
  onJobs?: () => void;
}

/** Who asks: a business through the API (it sees only its own endpoints), or the operator through the CLI. */
export type Caller = { businessId: string } | 'operator';

export type RedeliveryTarget = { event_id?: string; since?: string };

export interface AttemptPage {
  data: WebhookAttempt[];
  iterator: string | null;
  done: boolean;
}

export interface TestDelivery {
  event_id: string;
  url: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

/** The type of the event `coffer webhooks test` sends (never stored in the outbox, never in filter_types). */
export const webhookTestEventType = 'webhook.test';

const toWire = (row: AttemptRow): WebhookAttempt => ({
  id: row.id,
  event_id: row.event_id,
  attempt: row.attempt,
  started_at: row.started_at,
  status_code: row.status_code,
  latency_ms: row.latency_ms,
  outcome: row.outcome,
  error: row.error,
  next_attempt_at: row.next_attempt_at,
});

const where = (caller: Caller) => (caller === 'operator' ? '' : ' in this business');
const notFound = (caller: Caller, id: string) => err('WEBHOOK_NOT_FOUND' as const, `No webhook endpoint ${id}${where(caller)}`);

export class DeliveryService {
  constructor(private readonly deps: DeliveryServiceDeps) {}

  private async endpoint(caller: Caller, id: string): Promise<EndpointRow | undefined> {
    const endpoint = await findEndpoint(this.deps.db, id);
    if (endpoint === undefined || (caller !== 'operator' && endpoint.business_id !== caller.businessId)) return undefined;
    return endpoint;
  }

  /** One page of the endpoint's delivery log, newest first. */
  async listAttempts(caller: Caller, endpointId: string, query: AttemptListQuery): Promise<Result<AttemptPage, DeliveryErrorCode>> {
    const endpoint = await this.endpoint(caller, endpointId);
    if (endpoint === undefined) return notFound(caller, endpointId);
    const limit = query.limit ?? attemptPageSizeDefault;
    const rows = await listAttempts(this.deps.db, endpoint.id, { limit, afterId: query.iterator, eventId: query.event_id });
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return ok({ data: page.map(toWire), iterator: more ? page[page.length - 1].id : null, done: !more });
  }

  /**
   * Enqueues a new delivery of one event, or of every subscribed event since a time (at most redeliveryEventsMax, the
   * oldest first), each under a fresh job key so that earlier deliveries of the same event do not stop it.
   */
  async redeliver(caller: Caller, endpointId: string, target: RedeliveryTarget): Promise<Result<{ enqueued: number; truncated: boolean }, DeliveryErrorCode>> {
    if ((target.event_id === undefined) === (target.since === undefined)) {
      return err('WEBHOOK_REDELIVERY_TARGET_INVALID', 'Give exactly one of event_id (one event) or since (every event from that time on)');
    }
    const endpoint = await this.endpoint(caller, endpointId);
    if (endpoint === undefined) return notFound(caller, endpointId);
    if (endpoint.disabled === 1) {
      return err('WEBHOOK_ENDPOINT_DISABLED', `Webhook endpoint ${endpoint.id} is disabled${endpoint.disabled_reason ? ` (${endpoint.disabled_reason})` : ''}; enable it before redelivering`);
    }
    let eventIds: string[];
    let truncated = false;
    if (target.event_id !== undefined) {
      const event = await findEvent(this.deps.db, target.event_id);
      if (event === undefined || event.business_id !== endpoint.business_id) {
        return err('WEBHOOK_EVENT_NOT_FOUND', `No event ${target.event_id}${where(caller)}`);
      }
      eventIds = [event.id];
    } else {
      const since = new Date(target.since as string).toISOString();
      const types = JSON.parse(endpoint.filter_types) as string[];
      eventIds = await eventIdsSince(this.deps.db, endpoint.business_id, since, types, redeliveryEventsMax + 1);
      truncated = eventIds.length > redeliveryEventsMax;
      eventIds = eventIds.slice(0, redeliveryEventsMax);
    }
    const now = this.deps.clock.now();
    const request = randomBase62(12);
    const jobs = eventIds.map((eventId) => {
      const payload: DeliveryJobPayload = { event_id: eventId, endpoint_id: endpoint.id };
      return { kind: webhookDeliveryJobKind, key: `${eventId}:${endpoint.id}:redeliver:${request}`, dueAt: now, payload, attemptsMax: webhookAttemptsMax };
    });
    let enqueued = 0;
    // In slices, so that one statement stays well under both stores' bound-parameter limits.
    for (let start = 0; start < jobs.length; start += 500) {
      enqueued += (await enqueueJobs(this.deps.db, jobs.slice(start, start + 500), { newId: this.deps.newId, now })).created;
    }
    if (enqueued > 0) this.deps.onJobs?.();
    return ok({ enqueued, truncated });
  }

  /** Sends a signed `webhook.test` event to the endpoint now (not stored, not retried) and reports the answer. */
  async sendTest(caller: Caller, endpointId: string): Promise<Result<TestDelivery, DeliveryErrorCode>> {
    const endpoint = await this.endpoint(caller, endpointId);
    if (endpoint === undefined) return notFound(caller, endpointId);
    const id = this.deps.newId(idPrefixes.event);
    const now = isoTimestamp(this.deps.clock.now());
    const data = { payload_type: 'WebhookTest', endpoint_id: endpoint.id, message: 'A test delivery from Coffer (coffer webhooks test).' };
    const body = `{"business_id":${JSON.stringify(endpoint.business_id)},"type":"${webhookTestEventType}","timestamp":"${now}","data":${JSON.stringify(data)}}`;
    const { response } = await sendSigned(endpoint, { id, body }, this.deps);
    return ok(testResult(id, endpoint.url, response));
  }
}

function testResult(eventId: string, url: string, response: WebhookResponse): TestDelivery {
  return response.kind === 'answered'
    ? { event_id: eventId, url, status_code: response.statusCode, latency_ms: response.latencyMs, error: null }
    : { event_id: eventId, url, status_code: null, latency_ms: response.latencyMs, error: response.error };
}
