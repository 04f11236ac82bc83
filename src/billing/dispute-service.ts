// Disputes and reversals of a top-up's card payment (reported by the processor; the simulated processor's extension
// routes stand in for it). Opening a dispute holds the disputed amount as far as the available balance allows (a hold
// decided in the writer, keyed dispute:<id>:hold in coffer:dispute); lost → the hold is captured as a `dispute` entry;
// won → released. A reversal takes what is available at once as a `payment_reversal` entry. A wallet never goes
// negative: what cannot be taken back is the dispute's shortfall_amount.
import type { Kysely, Transaction } from 'kysely';
import type { Database, DisputesTable } from '../db/schema.ts';
import type { HoldService } from '../holds/hold-service.ts';
import { eventRow } from '../outbox/event-row.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { BillingErrorCode } from './billing-errors.ts';
import { disputeScope } from './billing-limits.ts';
import * as billingRepo from './billing-repo.ts';
import * as repo from './refund-repo.ts';

export interface DisputeDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  holds: HoldService;
  onEvent?: () => void;
}

export interface WireDispute {
  dispute_id: string;
  business_id: string;
  payment_id: string;
  customer_id: string;
  amount: string;
  currency: string;
  dispute_stage: 'dispute';
  dispute_status: 'dispute_opened' | 'dispute_won' | 'dispute_lost';
  created_at: string;
  kind: DisputesTable['kind'];
  held_amount: number;
  taken_amount: number;
  shortfall_amount: number;
  reason: string | null;
}

type DisputeResult<T> = Result<T, BillingErrorCode>;

export interface DisputeRequest {
  amount?: number | null;
  kind?: 'dispute' | 'reversal';
  reason?: string | null;
  /** The processor's own id of the dispute (the HTTP processor's callback). */
  processorDisputeId?: string | null;
}
type DisputeEvent = 'dispute.opened' | 'dispute.won' | 'dispute.lost';

export function toWireDispute(row: DisputesTable): WireDispute {
  return {
    dispute_id: row.id,
    business_id: row.business_id,
    payment_id: row.payment_id,
    customer_id: row.customer_id,
    amount: String(row.amount),
    currency: row.currency,
    dispute_stage: 'dispute',
    dispute_status: row.status === 'won' ? 'dispute_won' : row.status === 'lost' || row.status === 'reversed' ? 'dispute_lost' : 'dispute_opened',
    created_at: row.created_at,
    kind: row.kind,
    held_amount: Number(row.held_amount),
    taken_amount: Number(row.taken_amount),
    shortfall_amount: Number(row.shortfall_amount),
    reason: row.reason,
  };
}

export class DisputeService {
  constructor(private readonly deps: DisputeDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  async open(businessId: string, paymentId: string, request: DisputeRequest): Promise<DisputeResult<WireDispute>> {
    const prepared = await this.prepare(this.deps.db, businessId, paymentId, request);
    if (!prepared.ok) return prepared;
    await this.deps.db.insertInto('disputes').values(prepared.value).execute();
    return this.settleOpening(prepared.value);
  }

  /**
   * Checks that the payment can be disputed and builds the dispute's row, status opening; the caller inserts it
   * (the processor's callback in the transaction that records its event) and then `get` settles it.
   */
  async prepare(db: repo.Executor, businessId: string, paymentId: string, request: DisputeRequest): Promise<DisputeResult<DisputesTable>> {
    const payment = await billingRepo.paymentById(db, businessId, paymentId);
    if (!payment) return err('PAYMENT_NOT_FOUND', `Payment ${paymentId} not found`);
    if (payment.kind !== 'top_up' || payment.status !== 'succeeded') {
      return err('PAYMENT_NOT_DISPUTABLE', `Payment ${paymentId} is not a succeeded top-up: only a card payment that funded the wallet can be disputed here`);
    }
    const amount = request.amount ?? Number(payment.total_amount);
    if (amount > Number(payment.total_amount)) return err('PAYMENT_NOT_DISPUTABLE', `Payment ${paymentId} charged ${payment.total_amount}; ${amount} disputed`);
    const now = this.now();
    return ok({
      id: this.deps.newId(idPrefixes.dispute),
      business_id: businessId,
      customer_id: payment.customer_id,
      payment_id: paymentId,
      currency: payment.currency,
      amount,
      kind: request.kind ?? 'dispute',
      status: 'opening',
      hold_id: null,
      held_amount: 0,
      taken_amount: 0,
      shortfall_amount: 0,
      reason: request.reason ?? null,
      created_at: now,
      updated_at: now,
      processor_dispute_id: request.processorDisputeId ?? null,
    });
  }

  /** Holds what is available of the amount (again, by the same key, after a crash), then records the dispute open. */
  private async settleOpening(row: DisputesTable): Promise<DisputeResult<WireDispute>> {
    const reversal = row.kind === 'reversal';
    const hold = await this.deps.holds.place({
      businessId: row.business_id,
      customerId: row.customer_id,
      currency: row.currency,
      amount: Number(row.amount),
      reason: `${row.kind} ${row.id}`,
      expiresAt: null,
      idempotency: { scope: disputeScope, key: `dispute:${row.id}:hold` },
      eventType: reversal ? 'payment_reversal' : 'dispute',
      referenceObjectId: row.id,
      upTo: true,
    });
    if (!hold.ok && hold.code !== 'INSUFFICIENT_WALLET_FUNDS') return hold;
    const holdId = hold.ok ? hold.value.hold.id : null;
    const held = hold.ok ? hold.value.hold.amount : 0;
    let taken = 0;
    if (reversal && holdId !== null) {
      const captured = await this.deps.holds.capture(row.business_id, holdId, null, { scope: disputeScope, key: `dispute:${row.id}:capture` });
      if (!captured.ok && captured.code !== 'HOLD_NOT_ACTIVE') return captured;
      taken = held;
    }
    const changes: Partial<DisputesTable> = reversal
      ? { status: 'reversed', hold_id: holdId, held_amount: held, taken_amount: taken, shortfall_amount: Number(row.amount) - taken }
      : { status: 'open', hold_id: holdId, held_amount: held, shortfall_amount: Number(row.amount) - held };
    return this.move(row, 'opening', changes, reversal ? 'dispute.lost' : 'dispute.opened');
  }

  async get(businessId: string, id: string): Promise<DisputeResult<WireDispute>> {
    const row = await repo.disputeById(this.deps.db, businessId, id);
    if (!row) return err('DISPUTE_NOT_FOUND', `Dispute ${id} not found`);
    if (row.status === 'opening') return this.settleOpening(row);
    return ok(toWireDispute(row));
  }

  async resolve(businessId: string, id: string, outcome: 'won' | 'lost'): Promise<DisputeResult<WireDispute>> {
    let row = await repo.disputeById(this.deps.db, businessId, id);
    if (!row) return err('DISPUTE_NOT_FOUND', `Dispute ${id} not found`);
    if (row.status === 'opening') {
      const opened = await this.settleOpening(row);
      if (!opened.ok) return opened;
      row = (await repo.disputeById(this.deps.db, businessId, id))!;
    }
    if (row.status === outcome) return ok(toWireDispute(row));
    if (row.status !== 'open') return err('DISPUTE_NOT_OPEN', `Dispute ${id} is ${row.status} already`);
    if (outcome === 'lost') {
      if (row.hold_id !== null) {
        const captured = await this.deps.holds.capture(businessId, row.hold_id, null, { scope: disputeScope, key: `dispute:${row.id}:capture` });
        if (!captured.ok && captured.code !== 'HOLD_NOT_ACTIVE') return captured;
      }
      return this.move(row, 'open', { status: 'lost', taken_amount: Number(row.held_amount), shortfall_amount: Number(row.amount) - Number(row.held_amount) }, 'dispute.lost');
    }
    if (row.hold_id !== null) {
      const released = await this.deps.holds.release(businessId, row.hold_id);
      if (!released.ok && released.code !== 'HOLD_NOT_ACTIVE') return released;
    }
    return this.move(row, 'open', { status: 'won', shortfall_amount: 0 }, 'dispute.won');
  }

  private async move(row: DisputesTable, from: DisputesTable['status'], changes: Partial<DisputesTable>, event: DisputeEvent): Promise<DisputeResult<WireDispute>> {
    const now = this.now();
    const moved = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('disputes').set({ ...changes, updated_at: now }).where('id', '=', row.id).where('status', '=', from).executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await this.disputeEvent(trx, (await repo.disputeById(trx, row.business_id, row.id))!, event);
      return true;
    });
    if (moved) this.deps.onEvent?.();
    return ok(toWireDispute((await repo.disputeById(this.deps.db, row.business_id, row.id))!));
  }

  private async disputeEvent(trx: Transaction<Database>, row: DisputesTable, type: DisputeEvent): Promise<void> {
    await insertEvents(trx, [
      eventRow({ id: this.deps.newId(idPrefixes.event), businessId: row.business_id, type, customerId: row.customer_id, createdAt: this.now(), data: { payload_type: 'Dispute', ...toWireDispute(row) } }),
    ]);
  }
}
