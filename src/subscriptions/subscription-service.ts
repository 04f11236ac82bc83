// Subscriptions paid from the wallet: create, read, list, change (pause, resume, cancel now or at the period's end)
// and one-off charges. Renewals and dunning run in jobs (renewal.ts); every renewal and charge is an invoice of
// billing part 1, paid wallet-first by BillingService: there is no second payment path.
import type { Kysely } from 'kysely';
import type { BillingService } from '../billing/billing-service.ts';
import type { Database, SubscriptionsTable } from '../db/schema.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { OutboxEventType } from '../outbox/event-types.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, err, ok } from '../shared/result.ts';
import { firstPeriodAtOrAfter, isTimeZone, periodStart } from './period-math.ts';
import { renewalJob } from './renewal.ts';
import type { SubscriptionErrorCode } from './subscription-errors.ts';
import { subscriptionEvents, wireSubscription } from './subscription-events.ts';
import * as repo from './subscription-repo.ts';
import type { WireSubscription } from './subscription-wire.ts';

export interface SubscriptionDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
  billing: BillingService;
  /** The business's IANA time zone, in which periods are counted (UTC until businesses can set one). */
  timeZoneOf: (businessId: string) => Promise<string>;
  /** Dunning retries, hours after a renewal first failed (COFFER_DUNNING_RETRY_HOURS). */
  dunningRetryHours: readonly number[];
  /** Called after events or jobs commit, so that the dispatcher and the job runtime do not wait for their poll. */
  onChange?: () => void;
}

export interface CreateSubscriptionRequest {
  customer_id: string;
  currency: string;
  amount: number;
  interval: SubscriptionsTable['billing_interval'];
  interval_count?: number;
  starts_at?: string;
  expires_at?: string | null;
  wallet?: { mode: 'auto' | 'never' | 'cap'; cap_amount?: number | null };
  payment_method_id?: string | null;
  metadata?: Record<string, string>;
}

export interface UpdateSubscriptionRequest {
  status?: 'active' | 'paused' | 'cancelled';
  pause?: boolean | null;
  cancel_at_next_billing_date?: boolean | null;
  payment_method_id?: string | null;
  metadata?: Record<string, string> | null;
}

export interface ChargeRequest {
  product_price: number;
  product_currency?: string | null;
  product_description?: string | null;
  customer_balance_config?: { allow_customer_credits_usage?: boolean | null; allow_customer_credits_purchase?: boolean | null } | null;
  metadata?: Record<string, string> | null;
}

type SubscriptionResult<T> = Result<T, SubscriptionErrorCode>;

export class SubscriptionService {
  constructor(private readonly deps: SubscriptionDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private async methodAttached(businessId: string, customerId: string, methodId: string): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('payment_methods')
      .select('payment_method_id')
      .where('business_id', '=', businessId)
      .where('customer_id', '=', customerId)
      .where('payment_method_id', '=', methodId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async create(businessId: string, request: CreateSubscriptionRequest): Promise<SubscriptionResult<WireSubscription>> {
    if (!this.deps.currencies.includes(request.currency)) {
      return err('UNSUPPORTED_CURRENCY', `Currency ${request.currency} is not supported for wallets; supported: ${this.deps.currencies.join(', ')}`);
    }
    const mode = request.wallet?.mode ?? 'auto';
    const cap = request.wallet?.cap_amount ?? null;
    if ((mode === 'cap') !== (cap !== null)) return err('INVALID_SUBSCRIPTION', 'wallet.cap_amount is required with mode "cap" and allowed only with it');
    const now = this.now();
    const anchor = request.starts_at === undefined ? now : new Date(request.starts_at).toISOString();
    const expiresAt = request.expires_at == null ? null : new Date(request.expires_at).toISOString();
    if (expiresAt !== null && expiresAt <= anchor) return err('INVALID_SUBSCRIPTION', 'expires_at must be after starts_at');
    const customer = await this.deps.db.selectFrom('customers').select('id').where('id', '=', request.customer_id).where('business_id', '=', businessId).executeTakeFirst();
    if (!customer) return err('CUSTOMER_NOT_FOUND', `Customer ${request.customer_id} not found`);
    const methodId = request.payment_method_id ?? null;
    if (methodId !== null && !(await this.methodAttached(businessId, request.customer_id, methodId))) {
      return err('PAYMENT_METHOD_NOT_FOUND', `Payment method ${methodId} is not attached to customer ${request.customer_id}`);
    }
    const row: SubscriptionsTable = {
      id: this.deps.newId(idPrefixes.subscription),
      business_id: businessId,
      customer_id: request.customer_id,
      currency: request.currency,
      amount: request.amount,
      billing_interval: request.interval,
      interval_count: request.interval_count ?? 1,
      anchor_at: anchor,
      wallet_mode: mode,
      wallet_cap_amount: cap,
      payment_method_id: methodId,
      metadata: JSON.stringify(request.metadata ?? {}),
      status: 'active',
      next_period_index: 0,
      next_billing_date: anchor,
      previous_billing_date: null,
      cancel_at_next_billing_date: 0,
      cancelled_at: null,
      paused_at: null,
      expires_at: expiresAt,
      dunning_attempt: 0,
      dunning_started_at: null,
      dunning_next_retry_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.insertInto('subscriptions').values(row).execute();
      await enqueueJob(trx, renewalJob(row, 0, 0, new Date(anchor)), { newId: this.deps.newId, now: new Date(now) });
      await subscriptionEvents(trx, { newId: this.deps.newId, now }, businessId, row.id, ['subscription.active']);
    });
    this.deps.onChange?.();
    return ok(await wireSubscription(this.deps.db, row));
  }

  async get(businessId: string, id: string): Promise<SubscriptionResult<WireSubscription>> {
    const row = await repo.subscriptionById(this.deps.db, businessId, id);
    return row ? ok(await wireSubscription(this.deps.db, row)) : err('SUBSCRIPTION_NOT_FOUND', `Subscription ${id} not found`);
  }

  async list(businessId: string, page: repo.SubscriptionPage): Promise<SubscriptionResult<{ items: WireSubscription[] }>> {
    const rows = await repo.listSubscriptions(this.deps.db, businessId, page);
    const items: WireSubscription[] = [];
    for (const row of rows) items.push(await wireSubscription(this.deps.db, row));
    return ok({ items });
  }

  /** Pause, resume, cancel now or at the period's end, and the fields that only describe (metadata, method). */
  async update(businessId: string, id: string, request: UpdateSubscriptionRequest): Promise<SubscriptionResult<WireSubscription>> {
    const fromPause = request.pause == null ? undefined : request.pause ? 'paused' : 'active';
    if (request.status !== undefined && fromPause !== undefined && request.status !== fromPause) {
      return err('INVALID_SUBSCRIPTION', `status "${request.status}" and pause ${request.pause} ask for different things`);
    }
    const target = request.status ?? fromPause;
    const row = await repo.subscriptionById(this.deps.db, businessId, id);
    if (!row) return err('SUBSCRIPTION_NOT_FOUND', `Subscription ${id} not found`);
    const ended = row.status === 'cancelled' || row.status === 'expired';
    if (request.payment_method_id != null && !(await this.methodAttached(businessId, row.customer_id, request.payment_method_id))) {
      return err('PAYMENT_METHOD_NOT_FOUND', `Payment method ${request.payment_method_id} is not attached to customer ${row.customer_id}`);
    }
    if (ended && (target !== undefined && target !== row.status)) return err('SUBSCRIPTION_STATUS_CONFLICT', `Subscription ${id} is ${row.status}`);
    if (ended && request.cancel_at_next_billing_date != null) return err('SUBSCRIPTION_STATUS_CONFLICT', `Subscription ${id} is ${row.status}`);
    const timeZone = target === 'active' && row.status === 'paused' ? await this.deps.timeZoneOf(businessId) : 'UTC';
    const now = this.now();
    const changed = await this.deps.db.transaction().execute(async (trx): Promise<SubscriptionResult<boolean>> => {
      const current = await repo.subscriptionById(trx, businessId, id);
      if (!current) return err('SUBSCRIPTION_NOT_FOUND', `Subscription ${id} not found`);
      const fields: Partial<SubscriptionsTable> = {};
      if (request.cancel_at_next_billing_date != null) fields.cancel_at_next_billing_date = request.cancel_at_next_billing_date ? 1 : 0;
      if (request.payment_method_id !== undefined) fields.payment_method_id = request.payment_method_id;
      if (request.metadata != null) fields.metadata = JSON.stringify(request.metadata);
      const events: OutboxEventType[] = [];
      if (target !== undefined && target !== current.status) {
        if (target === 'cancelled') {
          if (current.status === 'expired') return err('SUBSCRIPTION_STATUS_CONFLICT', `Subscription ${id} is expired`);
          Object.assign(fields, { status: 'cancelled', cancelled_at: now, dunning_next_retry_at: null });
          events.push('subscription.cancelled');
        } else if (target === 'paused') {
          if (current.status !== 'active') return err('SUBSCRIPTION_STATUS_CONFLICT', `Only an active subscription can be paused; ${id} is ${current.status}`);
          Object.assign(fields, { status: 'paused', paused_at: now });
          events.push('subscription.paused');
        } else {
          if (current.status !== 'paused') return err('SUBSCRIPTION_STATUS_CONFLICT', `Only a paused subscription can be resumed; ${id} is ${current.status}`);
          // Periods that started while paused are not billed: the next renewal is the first period starting from now on.
          const anchor = new Date(current.anchor_at);
          const index = firstPeriodAtOrAfter(anchor, current.billing_interval, Number(current.interval_count), Number(current.next_period_index), new Date(now), timeZone);
          const start = periodStart(anchor, current.billing_interval, Number(current.interval_count), index, timeZone);
          Object.assign(fields, { status: 'active', paused_at: null, next_period_index: index, next_billing_date: start.toISOString() });
          await enqueueJob(trx, renewalJob(current, index, 0, start), { newId: this.deps.newId, now: new Date(now) });
          events.push('subscription.active');
        }
      }
      if (Object.keys(fields).length === 0) return ok(false);
      fields.updated_at = now;
      if (!(await repo.moveSubscription(trx, current, fields))) return err('SUBSCRIPTION_STATUS_CONFLICT', `Subscription ${id} changed meanwhile; read it and try again`);
      await subscriptionEvents(trx, { newId: this.deps.newId, now }, businessId, id, events);
      return ok(events.length > 0);
    });
    if (!changed.ok) return changed;
    if (changed.value) this.deps.onChange?.();
    return this.get(businessId, id);
  }

  /**
   * A one-off charge of the subscription's customer (Dodo's `subscriptions.charge`): an invoice paid wallet-first
   * unless `customer_balance_config.allow_customer_credits_usage` is false. Answers the payment's id whatever its
   * outcome (read it with `payments.retrieve`).
   */
  async charge(businessId: string, id: string, request: ChargeRequest): Promise<SubscriptionResult<{ payment_id: string }>> {
    const row = await repo.subscriptionById(this.deps.db, businessId, id);
    if (!row) return err('SUBSCRIPTION_NOT_FOUND', `Subscription ${id} not found`);
    if (row.status !== 'active' && row.status !== 'on_hold') return err('SUBSCRIPTION_STATUS_CONFLICT', `Only an active or on_hold subscription can be charged; ${id} is ${row.status}`);
    if (request.product_currency != null && request.product_currency !== row.currency) {
      return err('INVALID_SUBSCRIPTION', `product_currency must be the subscription's currency ${row.currency}`);
    }
    const useWallet = request.customer_balance_config?.allow_customer_credits_usage !== false;
    const wallet = useWallet ? { mode: row.wallet_mode, cap_amount: row.wallet_cap_amount === null ? null : Number(row.wallet_cap_amount) } : { mode: 'never' as const };
    const invoice = await this.deps.billing.createInvoiceIn(
      this.deps.db,
      businessId,
      {
        customer_id: row.customer_id,
        currency: row.currency,
        line_items: [{ description: request.product_description ?? `Charge of subscription ${id}`, amount: request.product_price }],
        wallet,
        metadata: { ...(request.metadata ?? {}), subscription_id: id },
      },
      { id, periodStart: null },
    );
    if (!invoice.ok) return invoice;
    const payment = await this.deps.billing.pay(businessId, invoice.value.id, row.payment_method_id);
    if (!payment.ok) return payment;
    return ok({ payment_id: payment.value.payment_id });
  }
}
