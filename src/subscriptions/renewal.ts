// Renewals and dunning, run by the subscriptions.bill job. Period n is billed by the job keyed `<id>:<n>`, due at the
// period's start; its invoice is unique per (subscription, period start) in the database, so a second process, a
// restart after a crash or a replay bills it once. A declined renewal puts the subscription on_hold and schedules the
// retries `<id>:<n>:retry:<k>`; each retry pays the same invoice again (wallet first, so a top-up meanwhile is used);
// after the last one the subscription is cancelled. Missed periods (a clock moved far ahead) are billed once each, in
// order: each paid period enqueues the next, due at its start, which may already have passed.
import type { Transaction } from 'kysely';
import type { Database, InvoicesTable, SubscriptionsTable } from '../db/schema.ts';
import type { EnqueueJobInput } from '../jobs/enqueue.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { OutboxEventType } from '../outbox/event-types.ts';
import { periodStart } from './period-math.ts';
import { subscriptionEvents } from './subscription-events.ts';
import { paymentPendingRetryMs, subscriptionBillAttemptsMax, subscriptionBillJobKind } from './subscription-limits.ts';
import * as repo from './subscription-repo.ts';
import type { SubscriptionDeps } from './subscription-service.ts';

export interface BillPayload {
  business_id: string;
  subscription_id: string;
  period_index: number;
  /** 0: the renewal itself; k ≥ 1: the k-th dunning retry. */
  retry: number;
}

/** The job that bills period `index` (retry 0) or retries it (retry k), due at `dueAt`. */
export function renewalJob(row: Pick<SubscriptionsTable, 'id' | 'business_id'>, index: number, retry: number, dueAt: Date): EnqueueJobInput {
  const payload: BillPayload = { business_id: row.business_id, subscription_id: row.id, period_index: index, retry };
  return { kind: subscriptionBillJobKind, key: retry === 0 ? `${row.id}:${index}` : `${row.id}:${index}:retry:${retry}`, dueAt, payload, attemptsMax: subscriptionBillAttemptsMax };
}

export type BillOutcome = { status: 'done' } | { status: 'pending'; retryInMs: number; reason: string } | { status: 'fail'; error: string };

const hourMs = 3_600_000;

export class Renewals {
  constructor(private readonly deps: SubscriptionDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** Bills (or retries) one period. Idempotent: every step re-reads where the period stands. */
  async bill(payload: BillPayload): Promise<BillOutcome> {
    const { business_id: businessId, subscription_id: id, period_index: index, retry } = payload;
    const sub = await repo.subscriptionById(this.deps.db, businessId, id);
    if (!sub || Number(sub.next_period_index) !== index) return { status: 'done' };
    if (retry === 0 && sub.status !== 'active') return { status: 'done' };
    if (retry > 0 && (sub.status !== 'on_hold' || Number(sub.dunning_attempt) !== retry - 1)) return { status: 'done' };
    const timeZone = await this.deps.timeZoneOf(businessId);
    const anchor = new Date(sub.anchor_at);
    const count = Number(sub.interval_count);
    const start = periodStart(anchor, sub.billing_interval, count, index, timeZone).toISOString();
    const end = periodStart(anchor, sub.billing_interval, count, index + 1, timeZone).toISOString();

    if (retry === 0 && sub.expires_at !== null && start >= sub.expires_at) return this.end(sub, 'expired');
    if (retry === 0 && index > 0 && Number(sub.cancel_at_next_billing_date) === 1) return this.end(sub, 'cancelled');

    const created = await this.deps.db.transaction().execute((trx) =>
      this.deps.billing.createInvoiceIn(
        trx,
        businessId,
        {
          customer_id: sub.customer_id,
          currency: sub.currency,
          line_items: [{ description: `Subscription ${id}, ${start} to ${end}`, amount: Number(sub.amount) }],
          wallet: { mode: sub.wallet_mode, cap_amount: sub.wallet_cap_amount === null ? null : Number(sub.wallet_cap_amount) },
          metadata: { subscription_id: id, period_start: start, period_end: end },
        },
        { id, periodStart: start },
      ),
    );
    if (!created.ok) return { status: 'fail', error: `${created.code}: ${created.message}` };
    let invoice: InvoicesTable = created.value;
    // One payment attempt per job: the renewal makes attempt 1, retry k makes attempt k + 1.
    if (invoice.status === 'open' && Number(invoice.attempt_count) <= retry) {
      const paid = await this.deps.billing.pay(businessId, invoice.id, sub.payment_method_id);
      if (!paid.ok && paid.code !== 'INVOICE_NOT_PAYABLE') return { status: 'pending', retryInMs: paymentPendingRetryMs, reason: `${paid.code}: ${paid.message}` };
      invoice = (await this.deps.db.selectFrom('invoices').selectAll().where('id', '=', invoice.id).executeTakeFirstOrThrow()) as InvoicesTable;
    }
    if (invoice.status === 'processing') return { status: 'pending', retryInMs: paymentPendingRetryMs, reason: `invoice ${invoice.id} is being paid` };
    if (invoice.status === 'paid' || invoice.status === 'void') return this.advance(sub, index, start, end, invoice);
    return this.failed(sub, index, retry, invoice);
  }

  /** Ends the subscription at a period boundary (cancel_at_next_billing_date, or expires_at reached). */
  private async end(sub: SubscriptionsTable, status: 'cancelled' | 'expired'): Promise<BillOutcome> {
    const now = this.now();
    const moved = await this.deps.db.transaction().execute(async (trx) => {
      const changes: Partial<SubscriptionsTable> = status === 'cancelled' ? { status, cancelled_at: now, updated_at: now } : { status, updated_at: now };
      if (!(await repo.moveSubscription(trx, sub, changes))) return false;
      await subscriptionEvents(trx, { newId: this.deps.newId, now }, sub.business_id, sub.id, [status === 'cancelled' ? 'subscription.cancelled' : 'subscription.expired']);
      return true;
    });
    if (moved) this.deps.onChange?.();
    return { status: 'done' };
  }

  /** The period is paid (or its invoice was voided: skipped): move to the next period and enqueue its renewal. */
  private async advance(sub: SubscriptionsTable, index: number, start: string, end: string, invoice: InvoicesTable): Promise<BillOutcome> {
    const now = this.now();
    const moved = await this.deps.db.transaction().execute(async (trx) => {
      const current = await repo.subscriptionById(trx, sub.business_id, sub.id);
      if (!current || Number(current.next_period_index) !== index) return false;
      const recovering = current.status === 'on_hold';
      const status = recovering ? 'active' : current.status;
      const changes: Partial<SubscriptionsTable> = {
        status,
        next_period_index: index + 1,
        previous_billing_date: start,
        next_billing_date: end,
        dunning_attempt: 0,
        dunning_started_at: null,
        dunning_next_retry_at: null,
        updated_at: now,
      };
      if (!(await repo.moveSubscription(trx, current, changes))) return false;
      if (status === 'active') await enqueueJob(trx, renewalJob(current, index + 1, 0, new Date(end)), { newId: this.deps.newId, now: new Date(now) });
      const events: OutboxEventType[] = [];
      if (invoice.status === 'paid' && index > 0) events.push('subscription.renewed');
      if (recovering) events.push('dunning.recovered', 'subscription.active');
      const dunning = { invoiceId: invoice.id, paymentId: invoice.payment_id, attempt: Number(current.dunning_attempt), nextRetryAt: null };
      await subscriptionEvents(trx, { newId: this.deps.newId, now }, sub.business_id, sub.id, events, dunning);
      return true;
    });
    if (moved) this.deps.onChange?.();
    return moved ? { status: 'done' } : { status: 'pending', retryInMs: 1_000, reason: 'the subscription changed meanwhile' };
  }

  /** The attempt failed: start dunning, schedule the next retry, or cancel after the last one. */
  private async failed(sub: SubscriptionsTable, index: number, retry: number, invoice: InvoicesTable): Promise<BillOutcome> {
    const now = this.now();
    const schedule = this.deps.dunningRetryHours;
    const moved = await this.deps.db.transaction().execute(async (trx: Transaction<Database>) => {
      const startedAt = retry === 0 ? now : (sub.dunning_started_at ?? now);
      const events: OutboxEventType[] = [];
      let changes: Partial<SubscriptionsTable>;
      let nextRetryAt: string | null = null;
      if (retry < schedule.length) {
        nextRetryAt = new Date(Date.parse(startedAt) + schedule[retry] * hourMs).toISOString();
        changes = { status: 'on_hold', dunning_attempt: retry, dunning_started_at: startedAt, dunning_next_retry_at: nextRetryAt, updated_at: now };
        if (retry === 0) events.push('subscription.on_hold', 'dunning.started', ...(index === 0 ? (['subscription.failed'] as const) : []));
      } else {
        // Policy: after the last retry the subscription is cancelled and its unpaid renewal invoice voided.
        changes = { status: 'cancelled', cancelled_at: now, dunning_attempt: retry, dunning_next_retry_at: null, updated_at: now };
        if (retry === 0) events.push('subscription.failed');
        events.push('subscription.cancelled');
      }
      if (!(await repo.moveSubscription(trx, sub, changes))) return false;
      if (nextRetryAt !== null) await enqueueJob(trx, renewalJob(sub, index, retry + 1, new Date(nextRetryAt)), { newId: this.deps.newId, now: new Date(now) });
      else await trx.updateTable('invoices').set({ status: 'void', updated_at: now }).where('id', '=', invoice.id).where('status', '=', 'open').execute();
      const dunning = { invoiceId: invoice.id, paymentId: invoice.payment_id, attempt: retry, nextRetryAt };
      await subscriptionEvents(trx, { newId: this.deps.newId, now }, sub.business_id, sub.id, events, dunning);
      return true;
    });
    if (moved) this.deps.onChange?.();
    return { status: 'done' };
  }
}
