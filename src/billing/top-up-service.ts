// Top-ups by card: charge the customer's method, then credit the wallet once the charge succeeded (a `pay_…` payment of
// kind top_up, and a credit entry `event_type: payment` referencing it). A decline writes nothing to the wallet. Each
// step is persisted before the next (started → charged → done), the processor is never called inside a transaction,
// and every step is idempotent under a derived key, so a run killed anywhere resumes (the recovery job) without
// charging or crediting twice. Other services (auto-recharge) call `topUp` directly, without HTTP.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { findClientRecord, insertRecord } from '../db/client-records.ts';
import type { Database, PaymentsTable } from '../db/schema.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { EntryOutcome } from '../ledger/commands.ts';
import { type WireEntry, toWireEntry } from '../ledger/entry-wire.ts';
import { type LedgerWriter, writerBusy } from '../ledger/ledger-writer.ts';
import { eventRow } from '../outbox/event-row.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { PaymentMethodService } from '../payments/payment-method-service.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { entryAmountMax, walletBalanceMax } from '../shared/money.ts';
import { type Result, assertInvariant, err, ok } from '../shared/result.ts';
import type { BillingErrorCode } from './billing-errors.ts';
import { paymentRecoveryAttemptsMax, paymentRecoveryDelayMs, topUpRecoveryJobKind, topUpScope } from './billing-limits.ts';
import * as repo from './billing-repo.ts';
import { type WirePayment, toWirePayment } from './billing-wire.ts';

export interface TopUpDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
  writer: LedgerWriter;
  payments: PaymentService;
  methods: PaymentMethodService;
  onEvent?: () => void;
  /** Test hook for crash tests (COFFER_BILLING_STEP_PAUSE_MS): a pause after each persisted step. */
  stepPauseMs?: number;
  recoveryDelayMs?: number;
}

export interface TopUpRequest {
  businessId: string;
  customerId: string;
  currency: string;
  /** Positive integer, minor units, at most entryAmountMax. */
  amount: number;
  /** null or absent: the customer's primary method. */
  paymentMethodId?: string | null;
  /** The client's key (scope client): a repeat answers the same top-up, never charges twice. */
  idempotencyKey: string;
  /**
   * The key's scope: `client` when absent (HTTP); a service calling topUp with a key it derives (auto-recharge) names
   * its own `coffer:<purpose>` scope, so a client's key can never collide with it.
   */
  idempotencyScope?: string;
}

/**
 * A top-up as it stands: `payment.status` is succeeded (the wallet was credited: `entry`), failed (declined or not
 * chargeable: nothing was written to the wallet; `payment.error_code` says why) or processing (the processor has not
 * answered: the recovery job asks again with the same key). `replayed`: the key was used before for this request.
 */
export interface TopUpAnswer {
  payment: WirePayment;
  entry: WireEntry | null;
  replayed: boolean;
}

type TopUpResult<T> = Result<T, BillingErrorCode>;

const resultType = 'payment';
const fingerprintOf = (r: TopUpRequest) =>
  `top_up:v1:${createHash('sha256').update(JSON.stringify([r.customerId, r.currency, r.amount, r.paymentMethodId ?? null])).digest('hex')}`;
const creditKey = (paymentId: string) => `top_up:${paymentId}:credit`;
const chargeKey = (paymentId: string) => `top_up:${paymentId}:charge`;
const refundKey = (paymentId: string) => `top_up:${paymentId}:refund`;

class KeyTakenMeanwhile extends Error {}

/** Steps one run takes at most (started → charged → done, with room for a re-read). */
const stepsPerRunMax = 6;

export class TopUpService {
  constructor(private readonly deps: TopUpDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** Starts a top-up (or finds the one its key started) and runs it as far as it goes now. */
  async topUp(request: TopUpRequest): Promise<TopUpResult<TopUpAnswer>> {
    if (!this.deps.currencies.includes(request.currency)) {
      return err('UNSUPPORTED_CURRENCY', `Currency ${request.currency} is not supported for wallets; supported: ${this.deps.currencies.join(', ')}`);
    }
    if (!Number.isSafeInteger(request.amount) || request.amount <= 0 || request.amount > entryAmountMax) {
      return err('INVALID_TOP_UP', `amount must be a positive integer of at most ${entryAmountMax}`);
    }
    if (!(await repo.paymentCustomer(this.deps.db, request.businessId, request.customerId))) return err('CUSTOMER_NOT_FOUND', `Customer ${request.customerId} not found`);
    const fingerprint = fingerprintOf(request);
    const scope = request.idempotencyScope ?? 'client';
    let started: { paymentId: string; replayed: boolean } | { conflict: true };
    try {
      started = await this.deps.db.transaction().execute(async (trx) => {
        const previous = await findClientRecord(trx, request.businessId, request.idempotencyKey, scope);
        if (previous) {
          return previous.result_type === resultType && previous.fingerprint === fingerprint && previous.result_id !== null
            ? { paymentId: previous.result_id, replayed: true }
            : { conflict: true as const };
        }
        const payment = this.newPayment(request);
        await trx.insertInto('payments').values(payment).execute();
        const now = this.now();
        const recorded = await insertRecord(trx, {
          business_id: request.businessId,
          scope,
          key: request.idempotencyKey,
          fingerprint,
          result_type: resultType,
          result_id: payment.id,
          created_at: now,
        });
        if (!recorded) throw new KeyTakenMeanwhile();
        await enqueueJob(
          trx,
          {
            kind: topUpRecoveryJobKind,
            key: payment.id,
            dueAt: new Date(Date.parse(now) + (this.deps.recoveryDelayMs ?? paymentRecoveryDelayMs)),
            payload: { business_id: request.businessId, payment_id: payment.id },
            attemptsMax: paymentRecoveryAttemptsMax,
          },
          { newId: this.deps.newId, now: new Date(now) },
        );
        await this.paymentEvents(trx, payment, 'payment.processing');
        return { paymentId: payment.id, replayed: false };
      });
    } catch (error) {
      if (!(error instanceof KeyTakenMeanwhile)) throw error;
      const previous = await findClientRecord(this.deps.db, request.businessId, request.idempotencyKey, scope);
      assertInvariant(previous, `idempotency key ${request.idempotencyKey} was recorded by a concurrent command`);
      started = previous.result_type === resultType && previous.fingerprint === fingerprint && previous.result_id !== null ? { paymentId: previous.result_id, replayed: true } : { conflict: true };
    }
    if ('conflict' in started) return err('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', `Idempotency key "${request.idempotencyKey}" was already used for a different request`);
    if (!started.replayed) this.deps.onEvent?.();
    const run = await this.run(request.businessId, started.paymentId);
    if (!run.ok) return run;
    return this.answer(request.businessId, started.paymentId, started.replayed);
  }

  /** The top-up with its wallet entry (once credited). */
  async answer(businessId: string, paymentId: string, replayed = false): Promise<TopUpResult<TopUpAnswer>> {
    const row = await repo.paymentById(this.deps.db, businessId, paymentId);
    if (!row || row.kind !== 'top_up') return err('PAYMENT_NOT_FOUND', `Top-up payment ${paymentId} not found`);
    const customer = await repo.paymentCustomer(this.deps.db, businessId, row.customer_id);
    const record = await this.deps.db
      .selectFrom('idempotency_records')
      .select('result_id')
      .where('business_id', '=', businessId)
      .where('scope', '=', topUpScope)
      .where('key', '=', creditKey(paymentId))
      .executeTakeFirst();
    const entry = record?.result_id ? await this.deps.db.selectFrom('ledger_entries').selectAll().where('id', '=', record.result_id).executeTakeFirst() : undefined;
    return ok({
      payment: toWirePayment(row, customer ?? { id: row.customer_id, email: '', name: '', phone_number: null }),
      entry: entry ? toWireEntry(entry) : null,
      replayed,
    });
  }

  private newPayment(request: TopUpRequest): PaymentsTable {
    const now = this.now();
    const id = this.deps.newId(idPrefixes.payment);
    return {
      id,
      business_id: request.businessId,
      customer_id: request.customerId,
      // A top-up has no invoice: the column (not null, unique with attempt) holds its own id; the wire shows null.
      invoice_id: id,
      attempt: 1,
      currency: request.currency,
      total_amount: request.amount,
      wallet_amount: 0,
      method_amount: request.amount,
      status: 'processing',
      step: 'started',
      hold_id: null,
      requested_payment_method_id: request.paymentMethodId ?? null,
      payment_method_id: null,
      processor: null,
      charge_id: null,
      error_code: null,
      error_message: null,
      created_at: now,
      updated_at: now,
      kind: 'top_up',
      refunded_wallet_amount: 0,
      refunded_method_amount: 0,
      idempotency_key: request.idempotencyKey,
    };
  }

  /** Runs a processing top-up from its step (the call, or the recovery job after a restart); `pending`: ask again later. */
  async run(businessId: string, paymentId: string): Promise<TopUpResult<'finished' | 'pending'>> {
    for (let steps = 0; steps < stepsPerRunMax; steps++) {
      const payment = await repo.paymentById(this.deps.db, businessId, paymentId);
      if (!payment || payment.kind !== 'top_up') return err('PAYMENT_NOT_FOUND', `Top-up payment ${paymentId} not found`);
      if (payment.status !== 'processing') return ok('finished');
      const next = await this.step(payment);
      if (next === 'pending') return ok('pending');
      if (this.deps.stepPauseMs) await new Promise((resolve) => setTimeout(resolve, this.deps.stepPauseMs));
    }
    return ok('pending');
  }

  private async step(payment: PaymentsTable): Promise<'moved' | 'pending'> {
    const now = this.now();
    if (payment.step === 'started') {
      // The method is fixed before the first charge call: a retry asks the processor the same question.
      let methodId = payment.payment_method_id;
      if (methodId === null) {
        const method = await this.deps.methods.methodToCharge(payment.business_id, payment.customer_id, payment.requested_payment_method_id);
        if (!method.ok) return this.finish(payment, 'failed', method.code, method.message);
        methodId = method.value.paymentMethodId;
        await this.deps.db.updateTable('payments').set({ payment_method_id: methodId, processor: method.value.processor, updated_at: now }).where('id', '=', payment.id).where('step', '=', 'started').execute();
      }
      const charge = await this.deps.payments.charge({
        idempotencyKey: chargeKey(payment.id),
        businessId: payment.business_id,
        customerId: payment.customer_id,
        paymentMethodId: methodId,
        currency: payment.currency,
        amount: Number(payment.total_amount),
        description: 'Wallet top-up',
        metadata: { payment_id: payment.id, top_up: true },
      });
      if (!charge.ok) return this.finish(payment, 'failed', charge.code, charge.message);
      const result = charge.value.result;
      if (result.status === 'pending_unknown') return 'pending';
      if (result.status !== 'succeeded') return this.finish(payment, 'failed', result.reason, result.message);
      await repo.advancePayment(this.deps.db, payment.id, 'started', { step: 'charged', charge_id: result.chargeId, processor: charge.value.processor, updated_at: now });
      return 'moved';
    }
    if (payment.step === 'charged') {
      const outcome = await this.deps.writer.submit({
        kind: 'credit',
        businessId: payment.business_id,
        customerId: payment.customer_id,
        currency: payment.currency,
        amount: Number(payment.total_amount),
        eventType: 'payment',
        reason: 'Top-up',
        referenceObjectId: payment.id,
        idempotency: { scope: topUpScope, key: creditKey(payment.id) },
      });
      if (outcome === writerBusy) return 'pending';
      const entryOutcome = outcome as EntryOutcome;
      if (entryOutcome.kind === 'applied' || entryOutcome.kind === 'duplicate') return this.finish(payment, 'succeeded', null, null);
      if (entryOutcome.kind === 'balance_limit_exceeded') {
        // The wallet cannot take it: the charge goes back to the card (once, by key), and the top-up fails.
        const refund = await this.deps.payments.refund({
          processor: payment.processor ?? 'simulated',
          idempotencyKey: refundKey(payment.id),
          businessId: payment.business_id,
          chargeId: payment.charge_id!,
          currency: payment.currency,
          amount: Number(payment.total_amount),
          reason: 'The wallet would exceed its largest balance',
        });
        if (!refund.ok || refund.value.status === 'pending_unknown') return 'pending';
        return this.finish(payment, 'failed', 'wallet_balance_limit_exceeded', `The wallet's balance may not exceed ${walletBalanceMax}: the charge was refunded`);
      }
      throw new Error(`top-up ${payment.id}: the credit was refused (${entryOutcome.kind})`);
    }
    throw new Error(`top-up ${payment.id} is processing at step ${payment.step}`);
  }

  private async finish(payment: PaymentsTable, status: 'succeeded' | 'failed', code: string | null, message: string | null): Promise<'moved'> {
    const now = this.now();
    const done = await this.deps.db.transaction().execute(async (trx) => {
      const changes: Partial<PaymentsTable> = { status, updated_at: now, error_code: code, error_message: message };
      if (status === 'succeeded') changes.step = 'done';
      else changes.method_amount = 0;
      const moved = await trx.updateTable('payments').set(changes).where('id', '=', payment.id).where('status', '=', 'processing').executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await this.paymentEvents(trx, (await repo.paymentById(trx, payment.business_id, payment.id))!, status === 'succeeded' ? 'payment.succeeded' : 'payment.failed');
      return true;
    });
    if (done) this.deps.onEvent?.();
    return 'moved';
  }

  private async paymentEvents(trx: Transaction<Database>, payment: PaymentsTable, type: 'payment.processing' | 'payment.succeeded' | 'payment.failed'): Promise<void> {
    const customer = await repo.paymentCustomer(trx, payment.business_id, payment.customer_id);
    const wire = toWirePayment(payment, customer ?? { id: payment.customer_id, email: '', name: '', phone_number: null });
    await insertEvents(trx, [
      eventRow({ id: this.deps.newId(idPrefixes.event), businessId: payment.business_id, type, customerId: payment.customer_id, createdAt: this.now(), data: { payload_type: 'Payment', ...wire } }),
    ]);
  }
}
