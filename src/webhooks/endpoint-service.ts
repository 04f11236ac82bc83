// Webhook endpoint use cases: create (idempotent by client key), list by cursor, retrieve, update, delete, read and
// rotate the signing secret, read and merge the custom headers. Deliveries read the same rows (fan-out.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, IdempotencyRecordsTable, WebhookEndpointsTable } from '../db/schema.ts';
import { isOutboxEventType, outboxEventTypes } from '../outbox/event-types.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, assertInvariant, err, ok } from '../shared/result.ts';
import { checkHeaders, mergeHeaders, redactHeaders } from './endpoint-headers.ts';
import * as repo from './endpoint-repo.ts';
import {
  type WebhookCreateBody,
  type WebhookDetails,
  type WebhookHeadersUpdateBody,
  type WebhookListQuery,
  type WebhookListResponse,
  type WebhookSecretRotateBody,
  type WebhookUpdateBody,
  listLimitDefault,
  overlapSecondsDefault,
  webhookEndpointsMax,
} from './endpoint-schemas.ts';
import { parseEndpointRow, toWire, unreadable } from './endpoint-wire.ts';
import { endpointUrlProblem } from './url-guard.ts';
import type { WebhookErrorCode } from './webhook-errors.ts';

export interface WebhookEndpointDeps {
  db: Kysely<Database>;
  store: StoreKind;
  clock: Clock;
  newId: IdGenerator;
  /** COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: endpoint URLs may name loopback, private and metadata addresses. */
  allowPrivateUrls: boolean;
}

type WebhookResult<T> = Result<T, WebhookErrorCode>;

/** A Standard Webhooks signing key: `whsec_` and the base64 of 24 random bytes (192 bits). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

const resultType = 'webhook_endpoint';

/** What a create would make, with defaults filled in: a repeat of the key with another fingerprint is a conflict. */
export function createFingerprint(body: WebhookCreateBody): string {
  const normalized = {
    url: body.url,
    description: body.description ?? '',
    disabled: body.disabled ?? false,
    filter_types: [...(body.filter_types ?? [])].sort(),
    headers: body.headers ?? {},
    metadata: body.metadata ?? {},
    rate_limit: body.rate_limit ?? null,
  };
  return `${resultType}:v1:${createHash('sha256').update(canonicalJson(normalized)).digest('hex')}`;
}

const notFound = (id: string) => err('WEBHOOK_NOT_FOUND', `Webhook endpoint ${id} not found`);

/** The key was recorded by a concurrent command between our read and our insert: the transaction is rolled back. */
class KeyTakenMeanwhile extends Error {}

type CreateAttempt = { kind: 'created' } | { kind: 'limited' } | { kind: 'repeat'; previous: IdempotencyRecordsTable };

export type CreateOutcome = { outcome: 'created' | 'replayed'; endpoint: WebhookDetails };

export class WebhookEndpointService {
  constructor(private readonly deps: WebhookEndpointDeps) {}

  private checkUrl(url: string): WebhookResult<string> {
    if (url.trim() !== url) return err('WEBHOOK_URL_INVALID', 'url must not begin or end with whitespace');
    const problem = endpointUrlProblem(url, { allowPrivate: this.deps.allowPrivateUrls });
    return problem ? err('WEBHOOK_URL_INVALID', problem.problem) : ok(url);
  }

  private checkFilterTypes(types: readonly string[]): WebhookResult<string[]> {
    const unknown = types.find((type) => !isOutboxEventType(type));
    if (unknown === undefined) return ok([...types]);
    return err('WEBHOOK_EVENT_TYPE_UNKNOWN', `filter_types has ${JSON.stringify(unknown)}, which is not an event Coffer emits (${outboxEventTypes.join(', ')})`);
  }

  async create(businessId: string, body: WebhookCreateBody): Promise<WebhookResult<CreateOutcome>> {
    const url = this.checkUrl(body.url);
    if (!url.ok) return url;
    const filterTypes = this.checkFilterTypes(body.filter_types ?? []);
    if (!filterTypes.ok) return filterTypes;
    const headers = checkHeaders(body.headers ?? {});
    if (!headers.ok) return headers;

    const now = this.deps.clock.now().toISOString();
    const row: WebhookEndpointsTable = {
      id: this.deps.newId(idPrefixes.webhookEndpoint),
      business_id: businessId,
      url: url.value,
      description: body.description ?? '',
      metadata: JSON.stringify(body.metadata ?? {}),
      disabled: body.disabled ? 1 : 0,
      disabled_reason: null,
      filter_types: JSON.stringify(filterTypes.value),
      headers: JSON.stringify(headers.value),
      rate_limit: body.rate_limit ?? null,
      secret: newWebhookSecret(),
      previous_secret: null,
      previous_secret_expires_at: null,
      created_at: now,
      updated_at: now,
    };
    const key = body.idempotency_key ?? null;
    const fingerprint = createFingerprint(body);
    const record: IdempotencyRecordsTable | null =
      key === null ? null : { business_id: businessId, scope: 'client', key, fingerprint, result_type: resultType, result_id: row.id, created_at: now };

    let attempt: CreateAttempt;
    try {
      // One transaction: the limit, the key and the insert hold together (creations in a business are serialised).
      attempt = await this.deps.db.transaction().execute(async (trx): Promise<CreateAttempt> => {
        await repo.lockBusiness(trx, this.deps.store, businessId);
        const previous = key === null ? undefined : await repo.findClientRecord(trx, businessId, key);
        if (previous) return { kind: 'repeat', previous };
        if ((await repo.countEndpoints(trx, businessId)) >= webhookEndpointsMax) return { kind: 'limited' };
        await repo.insertEndpoint(trx, row);
        if (record && !(await repo.insertRecord(trx, record))) throw new KeyTakenMeanwhile();
        return { kind: 'created' };
      });
    } catch (error) {
      if (!(error instanceof KeyTakenMeanwhile)) throw error;
      const previous = await repo.findClientRecord(this.deps.db, businessId, key!);
      assertInvariant(previous, `idempotency key ${key} was recorded by a concurrent command`);
      attempt = { kind: 'repeat', previous };
    }
    if (attempt.kind === 'repeat') return this.repeated(businessId, attempt.previous, fingerprint);
    if (attempt.kind === 'limited') {
      return err('WEBHOOK_ENDPOINT_LIMIT_REACHED', `A business can have at most ${webhookEndpointsMax} webhook endpoints; delete one before creating another`);
    }
    const endpoint = toWire(row);
    return endpoint.ok ? ok({ outcome: 'created', endpoint: endpoint.value }) : endpoint;
  }

  /** A create whose key was used before: the same request gets the endpoint it created, another request a conflict. */
  private async repeated(businessId: string, previous: IdempotencyRecordsTable, fingerprint: string): Promise<WebhookResult<CreateOutcome>> {
    if (previous.result_type !== resultType || previous.fingerprint !== fingerprint || previous.result_id === null) {
      return err(
        'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
        `Idempotency key "${previous.key}" was already used for a different request`,
        previous.result_type === resultType && previous.result_id !== null ? { webhook_id: previous.result_id } : undefined,
      );
    }
    const row = await repo.findEndpoint(this.deps.db, businessId, previous.result_id);
    if (!row) {
      return err('WEBHOOK_NOT_FOUND', `Webhook endpoint ${previous.result_id}, created with idempotency key "${previous.key}", has since been deleted`);
    }
    const endpoint = toWire(row);
    return endpoint.ok ? ok({ outcome: 'replayed', endpoint: endpoint.value }) : endpoint;
  }

  /** Rows that cannot be served are left out of the page, and their ids returned in `skipped`, so the page still answers. */
  async list(businessId: string, query: WebhookListQuery): Promise<{ page: WebhookListResponse; skipped: string[] }> {
    const limit = query.limit ?? listLimitDefault;
    const rows = await repo.listEndpoints(this.deps.db, businessId, query.iterator || null, limit + 1);
    const more = rows.length > limit;
    const pageRows = rows.slice(0, limit);
    const data: WebhookDetails[] = [];
    const skipped: string[] = [];
    for (const row of pageRows) {
      const wire = toWire(row);
      if (wire.ok) data.push(wire.value);
      else skipped.push(row.id);
    }
    return { page: { data, iterator: more ? pageRows[pageRows.length - 1].id : null, done: !more, prev_iterator: null }, skipped };
  }

  async retrieve(businessId: string, id: string): Promise<WebhookResult<WebhookDetails>> {
    const row = await repo.findEndpoint(this.deps.db, businessId, id);
    return row ? toWire(row) : notFound(id);
  }

  /** null leaves url and disabled as they are, and clears description, filter_types, metadata and rate_limit. */
  async update(businessId: string, id: string, body: WebhookUpdateBody): Promise<WebhookResult<WebhookDetails>> {
    const changes: repo.EndpointChanges = {};
    if (body.url != null) {
      const url = this.checkUrl(body.url);
      if (!url.ok) return url;
      changes.url = url.value;
    }
    if (body.filter_types !== undefined) {
      const filterTypes = this.checkFilterTypes(body.filter_types ?? []);
      if (!filterTypes.ok) return filterTypes;
      changes.filter_types = JSON.stringify(filterTypes.value);
    }
    if (body.description !== undefined) changes.description = body.description ?? '';
    if (body.metadata !== undefined) changes.metadata = JSON.stringify(body.metadata ?? {});
    if (body.rate_limit !== undefined) changes.rate_limit = body.rate_limit;
    if (body.disabled != null) {
      changes.disabled = body.disabled ? 1 : 0;
      // The merchant's choice replaces any reason Coffer had for disabling it.
      changes.disabled_reason = null;
    }
    return this.deps.db.transaction().execute(async (trx) => {
      const existing = await repo.findEndpoint(trx, businessId, id, this.deps.store);
      if (!existing) return notFound(id);
      if (Object.keys(changes).length > 0) changes.updated_at = this.deps.clock.now().toISOString();
      // A stored row that cannot be served is refused unless this update repairs it.
      const updated = toWire({ ...existing, ...changes });
      if (updated.ok && changes.updated_at !== undefined) await repo.updateEndpoint(trx, businessId, id, changes);
      return updated;
    });
  }

  async delete(businessId: string, id: string): Promise<WebhookResult<null>> {
    return (await repo.deleteEndpoint(this.deps.db, businessId, id)) === 1 ? ok(null) : notFound(id);
  }

  async retrieveSecret(businessId: string, id: string): Promise<WebhookResult<{ secret: string }>> {
    const row = await repo.findEndpoint(this.deps.db, businessId, id);
    return row ? ok({ secret: row.secret }) : notFound(id);
  }

  /**
   * A new secret; the current one becomes the previous secret until now + overlap_seconds, and deliveries carry a
   * signature with each until then. A second rotation within the overlap drops the oldest secret at once.
   */
  async rotateSecret(
    businessId: string,
    id: string,
    body: WebhookSecretRotateBody,
  ): Promise<WebhookResult<{ secret: string; previous_secret_expires_at: string | null }>> {
    const overlapSeconds = body.overlap_seconds ?? overlapSecondsDefault;
    return this.deps.db.transaction().execute(async (trx) => {
      const existing = await repo.findEndpoint(trx, businessId, id, this.deps.store);
      if (!existing) return notFound(id);
      const now = this.deps.clock.now();
      const expiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null;
      const secret = newWebhookSecret();
      await repo.updateEndpoint(trx, businessId, id, {
        secret,
        previous_secret: expiresAt === null ? null : existing.secret,
        previous_secret_expires_at: expiresAt,
        updated_at: now.toISOString(),
      });
      return ok({ secret, previous_secret_expires_at: expiresAt });
    });
  }

  async retrieveHeaders(businessId: string, id: string): Promise<WebhookResult<{ headers: Record<string, string>; sensitive: string[] }>> {
    const row = await repo.findEndpoint(this.deps.db, businessId, id);
    if (!row) return notFound(id);
    const parsed = parseEndpointRow(row);
    return 'problem' in parsed ? unreadable(id, parsed.problem) : ok(redactHeaders(parsed.headers));
  }

  /** Adds or replaces the headers named, removes those given null, keeps the others. */
  async updateHeaders(businessId: string, id: string, body: WebhookHeadersUpdateBody): Promise<WebhookResult<null>> {
    return this.deps.db.transaction().execute(async (trx) => {
      const existing = await repo.findEndpoint(trx, businessId, id, this.deps.store);
      if (!existing) return notFound(id);
      const parsed = parseEndpointRow(existing);
      // Headers that cannot be read are replaced by the update alone: that is how an operator repairs them.
      const merged = mergeHeaders('problem' in parsed ? {} : parsed.headers, body.headers);
      if (!merged.ok) return merged;
      await repo.updateEndpoint(trx, businessId, id, { headers: JSON.stringify(merged.value), updated_at: this.deps.clock.now().toISOString() });
      return ok(null);
    });
  }
}
