// SQL of webhook delivery: endpoints and events as deliveries read them, the attempt log, redelivery's event choice.
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import type { Database, EventsTable, WebhookAttemptsTable, WebhookEndpointsTable } from '../db/schema.ts';
import { webhookDeliveryJobKind } from './delivery-schedule.ts';

export type Executor = Kysely<Database> | Transaction<Database>;
export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;

/** An endpoint by id, of any business (deliveries and the operator's commands). */
export async function findEndpoint(db: Executor, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An endpoint by id, only if it belongs to `businessId` (the API's reads and writes). */
export async function findBusinessEndpoint(db: Executor, businessId: string, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
}

export async function findEvent(db: Executor, id: string): Promise<Selectable<EventsTable> | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Events by id (deliveries claimed together read theirs in one query). */
export async function findEvents(db: Executor, ids: readonly string[]): Promise<Map<string, Selectable<EventsTable>>> {
  const rows = ids.length === 0 ? [] : await db.selectFrom('events').selectAll().where('id', 'in', [...ids]).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** Endpoints by id, of any business. */
export async function findEndpoints(db: Executor, ids: readonly string[]): Promise<Map<string, EndpointRow>> {
  const rows = ids.length === 0 ? [] : await db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', [...ids]).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

export async function insertAttempt(db: Executor, row: AttemptRow): Promise<void> {
  await db.insertInto('webhook_attempts').values(row).execute();
}

/** Disables an endpoint on Coffer's own decision (a 410 Gone), saying why. */
export async function disableEndpoint(db: Executor, id: string, reason: string, now: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ disabled: 1, disabled_reason: reason, updated_at: now }).where('id', '=', id).execute();
}

/**
 * One page of an endpoint's attempts, newest first by (started_at, id), after the attempt `afterId` when given. Takes
 * `limit + 1` rows so that the caller knows whether another page follows. An `afterId` that names no attempt of this
 * endpoint yields an empty page.
 */
export async function listAttempts(
  db: Executor,
  endpointId: string,
  options: { limit: number; afterId?: string; eventId?: string },
): Promise<AttemptRow[]> {
  let query = db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId);
  if (options.eventId !== undefined) query = query.where('event_id', '=', options.eventId);
  if (options.afterId !== undefined) {
    const after = await db
      .selectFrom('webhook_attempts')
      .select(['started_at', 'id'])
      .where('endpoint_id', '=', endpointId)
      .where('id', '=', options.afterId)
      .executeTakeFirst();
    if (after === undefined) return [];
    query = query.where((eb) => eb.or([eb('started_at', '<', after.started_at), eb.and([eb('started_at', '=', after.started_at), eb('id', '<', after.id)])]));
  }
  return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute();
}

/** Ids of a business's dispatched events created at or after `since`, of the given types (all when empty), in feed order. */
export async function eventIdsSince(
  db: Executor,
  businessId: string,
  since: string,
  types: readonly string[],
  limit: number,
): Promise<string[]> {
  let query = db
    .selectFrom('events')
    .select('id')
    .where('business_id', '=', businessId)
    .where('created_at', '>=', since)
    .where('feed_seq', 'is not', null);
  if (types.length > 0) query = query.where('type', 'in', [...types]);
  const rows = await query.orderBy('feed_seq').limit(limit).execute();
  return rows.map((row) => row.id);
}

export interface EndpointSummary {
  id: string;
  business_id: string;
  url: string;
  disabled: number;
  disabled_reason: string | null;
  /** Delivery jobs of this endpoint waiting for an attempt. */
  pending: number;
  /** Delivery jobs of this endpoint that failed for good. */
  failed: number;
}

/** Escapes LIKE wildcards (ids hold `_`) so that a pattern matches them literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Every endpoint with its pending and failed delivery jobs, counted from the job keys (`<event>:<endpoint>` and
 * `<event>:<endpoint>:redeliver:<id>`), so both stores run the same SQL. At most `limit` endpoints, by id.
 */
export async function endpointSummaries(db: Executor, limit: number): Promise<EndpointSummary[]> {
  const endpoints = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'business_id', 'url', 'disabled', 'disabled_reason'])
    .orderBy('id')
    .limit(limit)
    .execute();
  const summaries: EndpointSummary[] = [];
  for (const endpoint of endpoints) {
    const id = likeLiteral(endpoint.id);
    const counts = await db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<number>().as('count')])
      .where('kind', '=', webhookDeliveryJobKind)
      .where('state', 'in', ['pending', 'failed'])
      .where((eb) => eb.or([sql<boolean>`key like ${`%:${id}`} escape '\\'`, sql<boolean>`key like ${`%:${id}:%`} escape '\\'`]))
      .groupBy('state')
      .execute();
    const count = (state: string) => Number(counts.find((row) => row.state === state)?.count ?? 0);
    summaries.push({ ...endpoint, pending: count('pending'), failed: count('failed') });
  }
  return summaries;
}
