// The HTTP processor's callback: disputes, reversals and late card-refund failures the processor reports. Each event
// is recorded once by its id (the webhook-id) with a digest of its body, then drives the same DisputeService and
// RefundService code the simulated processor's routes use, so there is one money path. A replay answers what the
// first delivery did and changes nothing; an event that names no payment, dispute or refund of the business records
// nothing. The signature is checked before this (src/payments/processor-signature.ts).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ProcessorEventsTable } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { BillingErrorCode } from './billing-errors.ts';
import type { DisputeService, WireDispute } from './dispute-service.ts';
import type { RefundService, WireRefund } from './refund-service.ts';

export type ProcessorEvent =
  | { type: 'dispute.opened'; business_id: string; charge_id: string; dispute_id: string; amount: number; reason?: string | null }
  | { type: 'dispute.won' | 'dispute.lost'; business_id: string; dispute_id: string }
  | { type: 'payment.reversed'; business_id: string; charge_id: string; amount: number; reason?: string | null }
  | { type: 'refund.failed'; business_id: string; refund_id: string; reason?: string | null };

export interface ProcessorEventAnswer {
  event_id: string;
  type: ProcessorEvent['type'];
  dispute: WireDispute | null;
  refund: WireRefund | null;
  /** True when the event had been received before (the answer is its object as it stands now). */
  replayed: boolean;
}

export interface ProcessorEventDeps {
  db: Kysely<Database>;
  clock: Clock;
  disputes: DisputeService;
  refunds: RefundService;
  /** Test hook for crash tests (COFFER_BILLING_STEP_PAUSE_MS): a pause once the event is recorded, before it is applied. */
  stepPauseMs?: number;
}

type EventResult<T> = Result<T, BillingErrorCode>;

/** A refund.failed without a reason (the processor's reason code) records this one. */
const unspecifiedReason = 'unspecified';

export class ProcessorEventService {
  constructor(private readonly deps: ProcessorEventDeps) {}

  /** `body` is the signed text, `event` the same text parsed and validated. */
  async receive(eventId: string, body: string, event: ProcessorEvent): Promise<EventResult<ProcessorEventAnswer>> {
    const digest = createHash('sha256').update(body).digest('hex');
    for (let attempt = 0; attempt < 2; attempt++) {
      const seen = await this.deps.db.selectFrom('processor_events').selectAll().where('id', '=', eventId).executeTakeFirst();
      if (seen) {
        if (seen.body_digest !== digest) return err('PROCESSOR_EVENT_ID_REUSED', `Event ${eventId} was received before with another body; it is not applied again`);
        return this.apply(seen, event, seen.status === 'applied');
      }
      const recorded = await this.record(eventId, digest, event);
      if (recorded === 'conflict') continue;
      if (!recorded.ok) return recorded;
      if (this.deps.stepPauseMs) await new Promise((resolve) => setTimeout(resolve, this.deps.stepPauseMs));
      return this.apply(recorded.value, event, false);
    }
    throw new Error(`processor event ${eventId}: recorded concurrently but not found`);
  }

  /**
   * Finds what the event names (refusing it if nothing), then records it, status received, in one transaction with
   * the dispute row it opens. 'conflict': a concurrent delivery of the same id recorded it first.
   */
  private async record(eventId: string, digest: string, event: ProcessorEvent): Promise<EventResult<ProcessorEventsTable> | 'conflict'> {
    const db = this.deps.db;
    const businessId = event.business_id;
    const now = this.deps.clock.now().toISOString();
    const row: ProcessorEventsTable = { id: eventId, business_id: businessId, type: event.type, body_digest: digest, status: 'received', object_id: null, created_at: now, updated_at: now };
    let dispute: Awaited<ReturnType<DisputeService['prepare']>> | null = null;
    switch (event.type) {
      case 'dispute.opened':
      case 'payment.reversed': {
        const known = event.type === 'dispute.opened' ? await this.disputeByProcessorId(businessId, event.dispute_id) : undefined;
        if (known) {
          row.object_id = known;
          break;
        }
        const payment = await db.selectFrom('payments').select('id').where('business_id', '=', businessId).where('processor', '=', 'http').where('charge_id', '=', event.charge_id).executeTakeFirst();
        if (!payment) return err('PAYMENT_NOT_FOUND', `charge_id: no payment of business ${businessId} was charged as ${event.charge_id} by the HTTP processor`);
        dispute = await this.deps.disputes.prepare(db, businessId, payment.id, {
          amount: event.amount,
          kind: event.type === 'payment.reversed' ? 'reversal' : 'dispute',
          reason: event.reason ?? null,
          processorDisputeId: event.type === 'dispute.opened' ? event.dispute_id : null,
        });
        if (!dispute.ok) return dispute;
        row.object_id = dispute.value.id;
        break;
      }
      case 'dispute.won':
      case 'dispute.lost': {
        const found = await db.selectFrom('disputes').select(['id', 'status']).where('business_id', '=', businessId).where('processor_dispute_id', '=', event.dispute_id).executeTakeFirst();
        if (!found) return err('DISPUTE_NOT_FOUND', `dispute_id: business ${businessId} has no dispute ${event.dispute_id} opened by the HTTP processor`);
        const outcome = event.type === 'dispute.won' ? 'won' : 'lost';
        if (found.status !== 'open' && found.status !== 'opening' && found.status !== outcome) {
          return err('DISPUTE_NOT_OPEN', `dispute_id: dispute ${event.dispute_id} is ${found.status} already; ${event.type} is not applied`);
        }
        row.object_id = found.id;
        break;
      }
      case 'refund.failed': {
        const refund = await db
          .selectFrom('refunds')
          .innerJoin('payments', 'payments.id', 'refunds.payment_id')
          .select('refunds.id')
          .where('refunds.business_id', '=', businessId)
          .where('refunds.processor_refund_id', '=', event.refund_id)
          .where('payments.processor', '=', 'http')
          .executeTakeFirst();
        if (!refund) return err('REFUND_NOT_FOUND', `refund_id: business ${businessId} has no card refund ${event.refund_id} accepted by the HTTP processor`);
        row.object_id = refund.id;
        break;
      }
    }
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('processor_events').values(row).execute();
        if (dispute?.ok) await trx.insertInto('disputes').values(dispute.value).execute();
      });
    } catch (error) {
      // The same event id, or the same processor dispute id under another event id, recorded concurrently: read again.
      if (await db.selectFrom('processor_events').select('id').where('id', '=', eventId).executeTakeFirst()) return 'conflict';
      if (event.type === 'dispute.opened' && (await this.disputeByProcessorId(businessId, event.dispute_id))) return this.record(eventId, digest, event);
      throw error;
    }
    return ok(row);
  }

  /** Runs (or, for a replay or a resumed event, runs again: every step is idempotent) what the event asks. */
  private async apply(row: ProcessorEventsTable, event: ProcessorEvent, replayed: boolean): Promise<EventResult<ProcessorEventAnswer>> {
    const objectId = row.object_id!;
    let dispute: WireDispute | null = null;
    let refund: WireRefund | null = null;
    if (replayed) {
      // Applied before: answer the object as it stands, and change nothing.
      const current = event.type === 'refund.failed' ? await this.deps.refunds.get(row.business_id, objectId) : await this.deps.disputes.get(row.business_id, objectId);
      if (!current.ok) return current;
      if (event.type === 'refund.failed') refund = current.value as WireRefund;
      else dispute = current.value as WireDispute;
    } else if (event.type === 'refund.failed') {
      const failed = await this.deps.refunds.failCard(row.business_id, objectId, event.reason ?? unspecifiedReason, 'http');
      if (!failed.ok) return failed;
      refund = failed.value;
    } else {
      const settled = event.type === 'dispute.won' || event.type === 'dispute.lost'
        ? await this.deps.disputes.resolve(row.business_id, objectId, event.type === 'dispute.won' ? 'won' : 'lost')
        : await this.deps.disputes.get(row.business_id, objectId);
      if (!settled.ok) return settled;
      dispute = settled.value;
    }
    if (row.status === 'received') {
      await this.deps.db.updateTable('processor_events').set({ status: 'applied', updated_at: this.deps.clock.now().toISOString() }).where('id', '=', row.id).execute();
    }
    return ok({ event_id: row.id, type: event.type, dispute, refund, replayed });
  }

  private async disputeByProcessorId(businessId: string, processorDisputeId: string): Promise<string | undefined> {
    const row = await this.deps.db.selectFrom('disputes').select('id').where('business_id', '=', businessId).where('processor_dispute_id', '=', processorDisputeId).executeTakeFirst();
    return row?.id;
  }
}
