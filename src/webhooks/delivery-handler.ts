// The `webhook.deliver` job: loads the event and its endpoint, sends one signed attempt, records it in the delivery
// log after the network call, and tells the job runtime what comes next (done, retry after the schedule's delay, fail).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { JobHandler, JobOutcome, JobRowInsert, LeasedJob } from '../jobs/job-types.ts';
import { envelopeBody } from '../outbox/event-row.ts';
import { isoTimestamp, type Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { postWebhook, type WebhookResponse } from './delivery-http.ts';
import type { DeliveryMetrics } from './delivery-metrics.ts';
import { EndpointRateLimiter } from './delivery-rate-limit.ts';
import { batchLoader } from '../shared/batch-loader.ts';
import { type AttemptRow, type EndpointRow, disableEndpoint, findEndpoints, findEvents, insertAttempt } from './delivery-repo.ts';
import { type DeliveryJobPayload, webhookRetryDelaysMs } from './delivery-schedule.ts';
import { signatureHeaders, signingSecrets } from './signing.ts';

/** Each retry waits its scheduled delay times a random factor in [1 − jitter, 1 + jitter], so retries do not arrive as one herd. */
export const retryJitterRatio = 0.1;
/** An attempt's error is cut to this length in the delivery log. */
export const attemptErrorLengthMax = 500;

export interface DeliveryLogger {
  warn(object: object, message: string): void;
}

export interface DeliveryHandlerDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  allowPrivateUrls: boolean;
  timeoutMs: number;
  logger?: DeliveryLogger;
  metrics?: DeliveryMetrics;
  /** A number in [0, 1) for the jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

/** A message to send to one endpoint: the webhook-id and the exact body. */
export interface SignedMessage {
  id: string;
  body: string;
}

/** Signs `message` for `endpoint` at the clock's time and posts it with the endpoint's custom headers. */
export async function sendSigned(
  endpoint: EndpointRow,
  message: SignedMessage,
  deps: Pick<DeliveryHandlerDeps, 'clock' | 'allowPrivateUrls' | 'timeoutMs' | 'logger'>,
  signal?: AbortSignal,
): Promise<{ startedAt: Date; response: WebhookResponse }> {
  const startedAt = deps.clock.now();
  const signed = signatureHeaders({ id: message.id, body: message.body, now: startedAt, secrets: signingSecrets(endpoint, startedAt) });
  const response = await postWebhook({
    url: endpoint.url,
    body: message.body,
    customHeaders: customHeadersOf(endpoint, deps.logger),
    signatureHeaders: { ...signed },
    timeoutMs: deps.timeoutMs,
    allowPrivateUrls: deps.allowPrivateUrls,
    signal,
  });
  return { startedAt, response };
}

function customHeadersOf(endpoint: EndpointRow, logger?: DeliveryLogger): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(endpoint.headers);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === 'string')) {
      return parsed as Record<string, string>;
    }
  } catch {
    // Reported below.
  }
  logger?.warn({ endpoint_id: endpoint.id }, 'webhook endpoint headers are not a JSON object of strings; sending without them');
  return {};
}

function payloadOf(job: LeasedJob): DeliveryJobPayload | null {
  const payload = job.payload as Partial<DeliveryJobPayload> | null;
  return payload && typeof payload.event_id === 'string' && typeof payload.endpoint_id === 'string'
    ? { event_id: payload.event_id, endpoint_id: payload.endpoint_id }
    : null;
}

/** The wait after failed attempt `attempt` (1-based): the schedule's delay, the last one past its end, with jitter. */
export function retryDelayMs(attempt: number, random: () => number): number {
  const scheduled = webhookRetryDelaysMs[Math.min(attempt, webhookRetryDelaysMs.length) - 1];
  return Math.round(scheduled * (1 - retryJitterRatio + 2 * retryJitterRatio * random()));
}

const cut = (text: string) => (text.length > attemptErrorLengthMax ? `${text.slice(0, attemptErrorLengthMax - 1)}…` : text);

/** What an answer means: a 2xx succeeded; a 410 asks to stop for good; anything else is tried again. */
function verdict(response: WebhookResponse): { outcome: 'succeeded' } | { outcome: 'gone'; error: string } | { outcome: 'failed'; error: string } {
  if (response.kind === 'failed') return { outcome: 'failed', error: response.error };
  const status = response.statusCode;
  if (status >= 200 && status < 300) return { outcome: 'succeeded' };
  if (status === 410) return { outcome: 'gone', error: 'HTTP 410 Gone: the endpoint asked for no more deliveries' };
  if (status >= 300 && status < 400) return { outcome: 'failed', error: `HTTP ${status}: redirects are not followed` };
  return { outcome: 'failed', error: `HTTP ${status}` };
}

/**
 * The handler of `webhook.deliver` jobs. A deleted endpoint ends the job without an attempt; a disabled one records a
 * `skipped` attempt; a rate-limited one defers the job (not an attempt). The attempt row is written after the network
 * call, never inside a transaction open across it, in the transaction that records the job's outcome.
 */
export function webhookDeliveryHandler(deps: DeliveryHandlerDeps): JobHandler {
  const limiter = new EndpointRateLimiter(() => deps.clock.now().getTime());
  const random = deps.random ?? Math.random;
  const attemptRow = (job: LeasedJob, endpoint: EndpointRow, eventId: string, fields: Partial<AttemptRow> & Pick<AttemptRow, 'outcome' | 'started_at'>): AttemptRow => ({
    id: deps.newId(idPrefixes.webhookAttempt),
    business_id: endpoint.business_id,
    endpoint_id: endpoint.id,
    event_id: eventId,
    job_id: job.id,
    attempt: job.attempts,
    status_code: null,
    latency_ms: null,
    error: null,
    next_attempt_at: null,
    ...fields,
  });

  // The deliveries of one claim start together: their events and endpoints are read in one query each.
  const events = batchLoader((ids: string[]) => findEvents(deps.db, ids));
  const endpoints = batchLoader((ids: string[]) => findEndpoints(deps.db, ids));
  // The attempt row is written by the runtime in the transaction that records the job's outcome (JobOutcome.alsoInsert),
  // with the rows of the other deliveries that finished together.
  const logging = (row: AttemptRow): JobRowInsert => ({ table: 'webhook_attempts', row });
  return async (job, { signal }): Promise<JobOutcome> => {
    const payload = payloadOf(job);
    if (payload === null) return { status: 'fail', error: `delivery job payload is not {event_id, endpoint_id}: ${JSON.stringify(job.payload)}` };
    const [event, endpoint] = await Promise.all([events.load(payload.event_id), endpoints.load(payload.endpoint_id)]);
    if (endpoint === undefined) return { status: 'done' };
    if (event === undefined || event.business_id !== endpoint.business_id) {
      return { status: 'fail', error: `event ${payload.event_id} does not exist in the endpoint's business` };
    }
    if (endpoint.disabled === 1) {
      const reason = endpoint.disabled_reason ? `endpoint disabled: ${endpoint.disabled_reason}` : 'endpoint disabled';
      deps.metrics?.attempt('skipped', null);
      return { status: 'done', alsoInsert: logging(attemptRow(job, endpoint, event.id, { outcome: 'skipped', started_at: isoTimestamp(deps.clock.now()), error: reason })) };
    }
    if (endpoint.rate_limit !== null) {
      const decision = limiter.take(endpoint.id, endpoint.rate_limit);
      if (!decision.allowed) return { status: 'defer', reason: `rate limit of ${endpoint.rate_limit} per second`, retryInMs: decision.retryInMs };
    }

    const { startedAt, response } = await sendSigned(endpoint, { id: event.id, body: envelopeBody(event) }, deps, signal);
    const result = verdict(response);
    const statusCode = response.kind === 'answered' ? response.statusCode : null;
    const fields = { started_at: isoTimestamp(startedAt), status_code: statusCode, latency_ms: response.latencyMs };
    if (result.outcome === 'succeeded') {
      deps.metrics?.attempt('succeeded', response.latencyMs);
      return { status: 'done', alsoInsert: logging(attemptRow(job, endpoint, event.id, { ...fields, outcome: 'succeeded' })) };
    }
    const error = cut(result.error);
    if (result.outcome === 'gone') {
      const now = isoTimestamp(deps.clock.now());
      const row = attemptRow(job, endpoint, event.id, { ...fields, outcome: 'failed', error });
      deps.metrics?.attempt('failed', response.latencyMs);
      deps.logger?.warn({ endpoint_id: endpoint.id, event_id: event.id }, 'webhook endpoint answered 410 Gone; disabling it');
      const alsoWrite = async (trx: Transaction<Database>) => {
        await insertAttempt(trx, row);
        await disableEndpoint(trx, endpoint.id, `the receiver answered 410 Gone at ${now}`, now);
      };
      return { status: 'fail', error, alsoWrite };
    }
    const last = job.attempts >= job.attemptsMax;
    const delayMs = last ? null : retryDelayMs(job.attempts, random);
    const nextAttemptAt = delayMs === null ? null : isoTimestamp(new Date(deps.clock.now().getTime() + delayMs));
    const alsoInsert = logging(attemptRow(job, endpoint, event.id, { ...fields, outcome: 'failed', error, next_attempt_at: nextAttemptAt }));
    deps.metrics?.attempt('failed', response.latencyMs);
    return delayMs === null ? { status: 'fail', error, alsoInsert } : { status: 'retry', error, retryInMs: delayMs, alsoInsert };
  };
}
