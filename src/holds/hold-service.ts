// Hold use cases: place, capture, release, read and list holds. Every change is a writer command (the only money
// writer); the service validates, picks the idempotency scope and maps outcomes to results.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { CaptureHoldCommand, EventType, ExpireHoldCommand, HoldCommand, HoldOutcome, ReleaseHoldCommand } from '../ledger/commands.ts';
import type { IdempotencyKeyRef } from '../ledger/idempotency.ts';
import { insufficientFunds } from '../ledger/ledger-service.ts';
import { type LedgerWriter, writerBusy } from '../ledger/ledger-writer.ts';
import { customerEntryCount } from '../ledger/ledger-repo.ts';
import type { Clock } from '../shared/clock.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { HoldErrorCode } from './hold-errors.ts';
import { holdExpiresAtHorizonDays } from './hold-limits.ts';
import * as repo from './hold-repo.ts';
import { type WireHold, toWireHold } from './hold-wire.ts';

export interface HoldDeps {
  db: Kysely<Database>;
  writer: LedgerWriter;
  clock: Clock;
  currencies: readonly string[];
}

type HoldResult<T> = Result<T, HoldErrorCode>;

/** A hold as placed, with whether this was a repeat of the same key and request. */
export interface HoldAnswer {
  hold: WireHold;
  replayed: boolean;
  /** The capture's debit entry id, when the command wrote one. */
  entryId: string | null;
}

export interface PlaceHoldRequest {
  businessId: string;
  customerId: string;
  currency: string;
  amount: number;
  reason: string | null;
  expiresAt: string | null;
  idempotency: IdempotencyKeyRef;
  /** What the capture entry will say: a client hold is a payment referencing the hold. */
  eventType?: EventType;
  referenceObjectId?: string | null;
  /** Hold what is available up to amount (billing's wallet part); the refusal then means nothing is available. */
  upTo?: boolean;
}

export class HoldService {
  constructor(private readonly deps: HoldDeps) {}

  /** A client's hold (its key in the client scope), or Coffer's own (billing passes a coffer: scope). */
  async place(request: PlaceHoldRequest): Promise<HoldResult<HoldAnswer>> {
    if (!this.deps.currencies.includes(request.currency)) {
      return err('UNSUPPORTED_CURRENCY', `Currency ${request.currency} is not supported for wallets; supported: ${this.deps.currencies.join(', ')}`);
    }
    let expiresAt: string | null = null;
    if (request.expiresAt !== null) {
      const instant = new Date(request.expiresAt).getTime();
      const now = this.deps.clock.now().getTime();
      if (!Number.isFinite(instant)) return err('INVALID_EXPIRES_AT', 'expires_at must be an ISO 8601 date-time');
      if (instant <= now) return err('INVALID_EXPIRES_AT', 'expires_at must be in the future');
      if (instant - now > holdExpiresAtHorizonDays * 86_400_000) return err('INVALID_EXPIRES_AT', `expires_at must be at most ${holdExpiresAtHorizonDays} days from now`);
      expiresAt = new Date(instant).toISOString();
    }
    const command: HoldCommand = {
      kind: 'hold',
      businessId: request.businessId,
      customerId: request.customerId,
      currency: request.currency,
      amount: request.amount,
      reason: request.reason,
      expiresAt,
      eventType: request.eventType ?? 'payment',
      referenceObjectId: request.referenceObjectId ?? null,
      idempotency: request.idempotency,
      upTo: request.upTo,
    };
    return this.run(command, request.amount);
  }

  /**
   * A client's capture or release (the routes): Coffer's own holds (an invoice payment's, in a coffer: scope) are
   * captured and released only by the work that placed them.
   */
  async clientCapture(businessId: string, holdId: string, amount: number | null): Promise<HoldResult<HoldAnswer>> {
    const refusal = await this.ownedByCoffer(businessId, holdId);
    return refusal ?? this.capture(businessId, holdId, amount);
  }

  async clientRelease(businessId: string, holdId: string): Promise<HoldResult<HoldAnswer>> {
    const refusal = await this.ownedByCoffer(businessId, holdId);
    return refusal ?? this.release(businessId, holdId);
  }

  private async ownedByCoffer(businessId: string, holdId: string) {
    const row = await repo.holdById(this.deps.db, businessId, holdId);
    if (!row || row.idempotency_scope === 'client') return null;
    return err('HOLD_NOT_ACTIVE', `Hold ${holdId} belongs to payment ${row.reference_object_id}: it is captured or released by that payment`, { hold: toWireHold(row) });
  }

  async capture(businessId: string, holdId: string, amount: number | null, idempotency: IdempotencyKeyRef | null = null): Promise<HoldResult<HoldAnswer>> {
    const row = await repo.holdById(this.deps.db, businessId, holdId);
    if (!row) return err('HOLD_NOT_FOUND', `Hold ${holdId} not found`);
    const command: CaptureHoldCommand = { kind: 'capture', businessId, customerId: row.customer_id, currency: row.currency, holdId, amount, idempotency };
    return this.run(command, amount ?? 0);
  }

  release(businessId: string, holdId: string): Promise<HoldResult<HoldAnswer>> {
    return this.releaseAs('release', businessId, holdId);
  }

  /** The expiry job's command: releases the hold as `expired` once its expires_at has come. */
  expire(businessId: string, holdId: string): Promise<HoldResult<HoldAnswer>> {
    return this.releaseAs('expire_hold', businessId, holdId);
  }

  async get(businessId: string, holdId: string): Promise<HoldResult<WireHold>> {
    const row = await repo.holdById(this.deps.db, businessId, holdId);
    return row ? ok(toWireHold(row)) : err('HOLD_NOT_FOUND', `Hold ${holdId} not found`);
  }

  async list(
    businessId: string,
    customerId: string,
    page: { pageNumber: number; pageSize: number; status?: WireHold['status'] },
  ): Promise<HoldResult<{ items: WireHold[] }>> {
    if ((await customerEntryCount(this.deps.db, businessId, customerId)) === undefined) return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
    const rows = await repo.holdsOfCustomer(this.deps.db, businessId, customerId, page);
    return ok({ items: rows.map(toWireHold) });
  }

  private async releaseAs(kind: 'release' | 'expire_hold', businessId: string, holdId: string): Promise<HoldResult<HoldAnswer>> {
    const row = await repo.holdById(this.deps.db, businessId, holdId);
    if (!row) return err('HOLD_NOT_FOUND', `Hold ${holdId} not found`);
    const command: ReleaseHoldCommand | ExpireHoldCommand = { kind, businessId, customerId: row.customer_id, currency: row.currency, holdId, idempotency: null };
    return this.run(command, 0);
  }

  private async run(command: HoldCommand | CaptureHoldCommand | ReleaseHoldCommand | ExpireHoldCommand, requested: number): Promise<HoldResult<HoldAnswer>> {
    const outcome = (await this.deps.writer.submit(command)) as HoldOutcome | typeof writerBusy;
    if (outcome === writerBusy) return err('SERVER_BUSY', 'Coffer has too many writes waiting; nothing was written: retry after the Retry-After seconds');
    const id = command.kind === 'hold' ? '' : command.holdId;
    switch (outcome.kind) {
      case 'applied':
      case 'duplicate':
        return ok({ hold: toWireHold(outcome.hold), replayed: outcome.kind === 'duplicate', entryId: outcome.entry?.id ?? outcome.hold.capture_entry_id });
      case 'key_conflict':
        return err(
          'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
          `Idempotency key "${command.idempotency?.key}" was already used for a different request`,
          outcome.hold ? { hold: toWireHold(outcome.hold) } : undefined,
        );
      case 'customer_not_found':
        return err('CUSTOMER_NOT_FOUND', `Customer ${command.customerId} not found`);
      case 'hold_not_found':
        return err('HOLD_NOT_FOUND', `Hold ${id} not found`);
      case 'hold_not_active':
        return err('HOLD_NOT_ACTIVE', `Hold ${id} is ${outcome.hold.status}: only an active hold can be captured or released`, { hold: toWireHold(outcome.hold) });
      case 'capture_exceeds_hold':
        return err('HOLD_CAPTURE_EXCEEDS_HOLD', `A capture takes at most the held amount (${outcome.hold.amount})`, { hold: toWireHold(outcome.hold) });
      case 'insufficient_funds':
        return insufficientFunds(command.currency, outcome.balance, outcome.held, requested);
      case 'expiry_not_in_future':
        return err('INVALID_EXPIRES_AT', `expires_at must be after the time the hold is written (${outcome.now})`);
      case 'not_due':
        return err('HOLD_NOT_ACTIVE', `Hold ${id} does not expire before ${outcome.expiresAt ?? 'never'}`);
    }
  }
}
