// Invoices paid wallet-first: hold what the wallet may cover, charge the rest to the customer's method, capture the
// hold. Each step is persisted before the next (payments.step), so a run killed anywhere resumes where it stood; the
// processor is never called inside a database transaction, and every step is idempotent under a derived key.
import type { Kysely, Transaction } from 'kysely';
import type { Database, InvoicesTable, PaymentsTable } from '../db/schema.ts';
import type { HoldService } from '../holds/hold-service.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { eventRow } from '../outbox/event-row.ts';
import type { OutboxEventType } from '../outbox/event-types.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { PaymentMethodService } from '../payments/payment-method-service.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { entryAmountMax } from '../shared/money.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { BillingErrorCode } from './billing-errors.ts';
import { invoicePaymentScope, paymentRecoveryAttemptsMax, paymentRecoveryDelayMs, paymentRecoveryJobKind } from './billing-limits.ts';
import * as repo from './billing-repo.ts';
import { type WireInvoice, type WirePayment, toWireInvoice, toWirePayment } from './billing-wire.ts';

export interface BillingDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
  holds: HoldService;
  payments: PaymentService;
  methods: PaymentMethodService;
  /** Called after events commit, so that the dispatcher sends them without waiting for its poll. */
  onEvent?: () => void;
  /** Test hook for crash tests (COFFER_BILLING_STEP_PAUSE_MS): a pause after each persisted step. */
  stepPauseMs?: number;
  /** When a payment's recovery job is due after it starts (COFFER_BILLING_RECOVERY_DELAY_MS). */
  recoveryDelayMs?: number;
}

export interface CreateInvoiceRequest {
  customer_id: string;
  currency: string;
  line_items: Array<{ description: string; amount: number }>;
  wallet?: { mode: 'auto' | 'never' | 'cap'; cap_amount?: number | null };
  metadata?: Record<string, string>;
}

type BillingResult<T> = Result<T, BillingErrorCode>;

/** Steps one run takes at most (started → held → charged → done, with room for a re-read). */
const stepsPerRunMax = 8;

export class BillingService {
  constructor(private readonly deps: BillingDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  async createInvoice(businessId: string, request: CreateInvoiceRequest): Promise<BillingResult<WireInvoice>> {
    const created = await this.createInvoiceIn(this.deps.db, businessId, request);
    return created.ok ? ok(toWireInvoice(created.value)) : created;
  }

  /**
   * Creates an invoice in the caller's transaction. With `subscription`, the invoice is that subscription's renewal of
   * the period starting at `periodStart`: the unique (subscription_id, subscription_period_start) index decides, and
   * an invoice made for the period before (another process, a run before a crash) is answered instead of a second one.
   */
  async createInvoiceIn(
    executor: repo.Executor,
    businessId: string,
    request: CreateInvoiceRequest,
    subscription?: { id: string; periodStart: string | null },
  ): Promise<BillingResult<InvoicesTable>> {
    if (!this.deps.currencies.includes(request.currency)) {
      return err('UNSUPPORTED_CURRENCY', `Currency ${request.currency} is not supported for wallets; supported: ${this.deps.currencies.join(', ')}`);
    }
    const total = request.line_items.reduce((sum, item) => sum + item.amount, 0);
    if (!Number.isSafeInteger(total) || total > entryAmountMax) return err('INVALID_INVOICE', `The line items add up to more than ${entryAmountMax}`);
    const mode = request.wallet?.mode ?? 'auto';
    const cap = request.wallet?.cap_amount ?? null;
    if ((mode === 'cap') !== (cap !== null)) return err('INVALID_INVOICE', 'wallet.cap_amount is required with mode "cap" and allowed only with it');
    if (!(await repo.paymentCustomer(executor, businessId, request.customer_id))) return err('CUSTOMER_NOT_FOUND', `Customer ${request.customer_id} not found`);
    const now = this.now();
    const row: InvoicesTable = {
      id: this.deps.newId(idPrefixes.invoice),
      business_id: businessId,
      customer_id: request.customer_id,
      currency: request.currency,
      total_amount: total,
      line_items: JSON.stringify(request.line_items.map((item) => ({ description: item.description, amount: item.amount }))),
      wallet_mode: mode,
      wallet_cap_amount: cap,
      metadata: JSON.stringify(request.metadata ?? {}),
      status: 'open',
      payment_id: null,
      attempt_count: 0,
      last_failure_code: null,
      last_failure_message: null,
      paid_at: null,
      created_at: now,
      updated_at: now,
      subscription_id: subscription?.id ?? null,
      subscription_period_start: subscription?.periodStart ?? null,
    };
    if (!subscription || subscription.periodStart === null) {
      await executor.insertInto('invoices').values(row).execute();
      return ok(row);
    }
    await executor
      .insertInto('invoices')
      .values(row)
      .onConflict((conflict) => conflict.columns(['subscription_id', 'subscription_period_start']).doNothing())
      .execute();
    const period = await executor
      .selectFrom('invoices')
      .selectAll()
      .where('subscription_id', '=', subscription.id)
      .where('subscription_period_start', '=', subscription.periodStart)
      .executeTakeFirstOrThrow();
    return ok(period);
  }

  async getInvoice(businessId: string, id: string): Promise<BillingResult<WireInvoice>> {
    const row = await repo.invoiceById(this.deps.db, businessId, id);
    return row ? ok(toWireInvoice(row)) : err('INVOICE_NOT_FOUND', `Invoice ${id} not found`);
  }

  async listInvoices(businessId: string, page: repo.PageQuery): Promise<BillingResult<{ items: WireInvoice[] }>> {
    return ok({ items: (await repo.listInvoices(this.deps.db, businessId, page)).map(toWireInvoice) });
  }

  async voidInvoice(businessId: string, id: string): Promise<BillingResult<WireInvoice>> {
    const now = this.now();
    const updated = await this.deps.db
      .updateTable('invoices')
      .set({ status: 'void', updated_at: now })
      .where('id', '=', id)
      .where('business_id', '=', businessId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    const row = await repo.invoiceById(this.deps.db, businessId, id);
    if (!row) return err('INVOICE_NOT_FOUND', `Invoice ${id} not found`);
    if (Number(updated.numUpdatedRows) === 0 && row.status !== 'void') return err('INVOICE_NOT_PAYABLE', `Invoice ${id} is ${row.status}: only an open invoice can be voided`);
    return ok(toWireInvoice(row));
  }

  async getPayment(businessId: string, id: string): Promise<BillingResult<WirePayment>> {
    const row = await repo.paymentById(this.deps.db, businessId, id);
    if (!row) return err('PAYMENT_NOT_FOUND', `Payment ${id} not found`);
    return ok(await this.wirePayment(this.deps.db, row));
  }

  async listPayments(businessId: string, page: repo.PageQuery): Promise<BillingResult<{ items: WirePayment[] }>> {
    const rows = await repo.listPayments(this.deps.db, businessId, page);
    return ok({ items: rows.map(({ email, name, phone_number, ...row }) => toWirePayment(row, { id: row.customer_id, email, name, phone_number })) });
  }

  /** The payment with its invoice and customer, for the PDF document. */
  async paymentDocument(businessId: string, id: string): Promise<BillingResult<{ payment: WirePayment; invoice: WireInvoice }>> {
    const row = await repo.paymentById(this.deps.db, businessId, id);
    if (!row) return err('PAYMENT_NOT_FOUND', `Payment ${id} not found`);
    if (row.kind === 'top_up') return err('PAYMENT_NOT_FOUND', `Payment ${id} is a top-up: it has no invoice document`);
    const invoice = await repo.invoiceById(this.deps.db, businessId, row.invoice_id);
    if (!invoice) throw new Error(`payment ${id} names missing invoice ${row.invoice_id}`);
    return ok({ payment: await this.wirePayment(this.deps.db, row), invoice: toWireInvoice(invoice) });
  }

  /**
   * Starts a payment of an open invoice (a new attempt after a failed one) and runs it as far as it goes now. Answers
   * the payment: succeeded, failed (the invoice stays open with the failure recorded), or processing (the processor
   * did not answer: the recovery job asks again with the same key).
   */
  async pay(businessId: string, invoiceId: string, paymentMethodId: string | null): Promise<BillingResult<WirePayment>> {
    const started = await this.deps.db.transaction().execute(async (trx) => {
      const invoice = await repo.invoiceById(trx, businessId, invoiceId);
      if (!invoice) return err('INVOICE_NOT_FOUND', `Invoice ${invoiceId} not found`);
      if (invoice.status !== 'open') {
        return err('INVOICE_NOT_PAYABLE', `Invoice ${invoiceId} is ${invoice.status}: only an open invoice can be paid`, { payment_id: invoice.payment_id });
      }
      const now = this.now();
      const attempt = Number(invoice.attempt_count) + 1;
      const payment: PaymentsTable = {
        id: this.deps.newId(idPrefixes.payment),
        business_id: businessId,
        customer_id: invoice.customer_id,
        invoice_id: invoiceId,
        attempt,
        currency: invoice.currency,
        total_amount: Number(invoice.total_amount),
        wallet_amount: 0,
        method_amount: 0,
        status: 'processing',
        step: 'started',
        hold_id: null,
        requested_payment_method_id: paymentMethodId,
        payment_method_id: null,
        processor: null,
        charge_id: null,
        error_code: null,
        error_message: null,
        created_at: now,
        updated_at: now,
        kind: 'invoice',
        refunded_wallet_amount: 0,
        refunded_method_amount: 0,
        idempotency_key: null,
      };
      // Only one payment of an invoice runs at a time: the conditional update is the lock.
      const claimed = await trx
        .updateTable('invoices')
        .set({ status: 'processing', payment_id: payment.id, attempt_count: attempt, updated_at: now })
        .where('id', '=', invoiceId)
        .where('status', '=', 'open')
        .where('attempt_count', '=', invoice.attempt_count)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return err('INVOICE_NOT_PAYABLE', `A payment of invoice ${invoiceId} is in progress`);
      await trx.insertInto('payments').values(payment).execute();
      await enqueueJob(
        trx,
        { kind: paymentRecoveryJobKind, key: payment.id, dueAt: new Date(Date.parse(now) + (this.deps.recoveryDelayMs ?? paymentRecoveryDelayMs)), payload: { business_id: businessId, payment_id: payment.id }, attemptsMax: paymentRecoveryAttemptsMax },
        { newId: this.deps.newId, now: new Date(now) },
      );
      await this.paymentEvents(trx, payment, null, ['payment.processing']);
      return ok(payment);
    });
    if (!started.ok) return started;
    this.deps.onEvent?.();
    const result = await this.run(businessId, started.value.id);
    return result.ok ? this.getPayment(businessId, started.value.id) : result;
  }

  /**
   * Runs a processing payment from the step it stands at (the pay call, or the recovery job after a restart). Returns
   * `pending` when it cannot finish now (the processor did not answer, or the writer is busy): ask again later.
   */
  async run(businessId: string, paymentId: string): Promise<BillingResult<'finished' | 'pending'>> {
    for (let steps = 0; steps < stepsPerRunMax; steps++) {
      const payment = await repo.paymentById(this.deps.db, businessId, paymentId);
      if (!payment) return err('PAYMENT_NOT_FOUND', `Payment ${paymentId} not found`);
      if (payment.status !== 'processing') return ok('finished');
      const invoice = await repo.invoiceById(this.deps.db, businessId, payment.invoice_id);
      if (!invoice) throw new Error(`payment ${paymentId} names missing invoice ${payment.invoice_id}`);
      const next = await this.step(payment, invoice);
      if (next === 'pending') return ok('pending');
      if (this.deps.stepPauseMs) await new Promise((resolve) => setTimeout(resolve, this.deps.stepPauseMs));
    }
    return ok('pending');
  }

  /** One step of the machine; 'moved' when the payment advanced (or another run advanced it meanwhile). */
  private async step(payment: PaymentsTable, invoice: InvoicesTable): Promise<'moved' | 'pending'> {
    const now = this.now();
    if (payment.step === 'started') {
      const total = Number(payment.total_amount);
      const want = invoice.wallet_mode === 'never' ? 0 : invoice.wallet_mode === 'cap' ? Math.min(total, Number(invoice.wallet_cap_amount)) : total;
      let holdId: string | null = null;
      let walletAmount = 0;
      if (want > 0) {
        // The wallet's share is decided inside the writer's transaction: what is available, up to `want`.
        const hold = await this.deps.holds.place({
          businessId: payment.business_id,
          customerId: payment.customer_id,
          currency: payment.currency,
          amount: want,
          reason: `invoice ${invoice.id}`,
          expiresAt: null,
          idempotency: { scope: invoicePaymentScope, key: `payment:${payment.id}:hold` },
          eventType: 'payment',
          referenceObjectId: payment.id,
          upTo: true,
        });
        if (hold.ok) {
          holdId = hold.value.hold.id;
          walletAmount = hold.value.hold.amount;
        } else if (hold.code === 'SERVER_BUSY') return 'pending';
        else if (hold.code !== 'INSUFFICIENT_WALLET_FUNDS') return this.fail(payment, hold.code, hold.message);
      }
      await repo.advancePayment(this.deps.db, payment.id, 'started', { step: 'held', hold_id: holdId, wallet_amount: walletAmount, method_amount: total - walletAmount, updated_at: now });
      return 'moved';
    }
    if (payment.step === 'held') {
      if (Number(payment.method_amount) === 0) {
        await repo.advancePayment(this.deps.db, payment.id, 'held', { step: 'charged', updated_at: now });
        return 'moved';
      }
      // The method is fixed before the first charge call: a retry asks the processor the same question.
      let methodId = payment.payment_method_id;
      if (methodId === null) {
        const method = await this.deps.methods.methodToCharge(payment.business_id, payment.customer_id, payment.requested_payment_method_id);
        if (!method.ok) return this.fail(payment, method.code, method.message);
        methodId = method.value.paymentMethodId;
        await this.deps.db.updateTable('payments').set({ payment_method_id: methodId, processor: method.value.processor, updated_at: now }).where('id', '=', payment.id).where('step', '=', 'held').execute();
      }
      const charge = await this.deps.payments.charge({
        idempotencyKey: `invoice:${invoice.id}:charge:${payment.attempt}`,
        businessId: payment.business_id,
        customerId: payment.customer_id,
        paymentMethodId: methodId,
        currency: payment.currency,
        amount: Number(payment.method_amount),
        description: `Invoice ${invoice.id}`,
        metadata: { invoice_id: invoice.id, payment_id: payment.id },
      });
      if (!charge.ok) return this.fail(payment, charge.code, charge.message);
      const result = charge.value.result;
      if (result.status === 'pending_unknown') return 'pending';
      if (result.status !== 'succeeded') return this.fail(payment, result.reason, result.message);
      await repo.advancePayment(this.deps.db, payment.id, 'held', { step: 'charged', charge_id: result.chargeId, processor: charge.value.processor, updated_at: now });
      return 'moved';
    }
    if (payment.step === 'charged') {
      if (payment.hold_id !== null) {
        const captured = await this.deps.holds.capture(payment.business_id, payment.hold_id, null, { scope: invoicePaymentScope, key: `invoice:${invoice.id}:wallet` });
        if (!captured.ok && captured.code === 'SERVER_BUSY') return 'pending';
        if (!captured.ok) throw new Error(`capture of hold ${payment.hold_id} for payment ${payment.id} failed: ${captured.code} ${captured.message}`);
      }
      await this.finish(payment, 'succeeded', null, null);
      return 'moved';
    }
    throw new Error(`payment ${payment.id} is processing at step ${payment.step}`);
  }

  /** The charge failed (or could not be made): release the hold, then record the failure; the invoice is open again. */
  private async fail(payment: PaymentsTable, code: string, message: string): Promise<'moved'> {
    const current = await repo.paymentById(this.deps.db, payment.business_id, payment.id);
    const holdId = current?.hold_id ?? payment.hold_id;
    if (holdId !== null) {
      const released = await this.deps.holds.release(payment.business_id, holdId);
      if (!released.ok && released.code !== 'HOLD_NOT_ACTIVE') throw new Error(`release of hold ${holdId} failed: ${released.code}`);
    }
    await this.finish(current ?? payment, 'failed', code, message);
    return 'moved';
  }

  private async finish(payment: PaymentsTable, status: 'succeeded' | 'failed', code: string | null, message: string | null): Promise<void> {
    const now = this.now();
    const done = await this.deps.db.transaction().execute(async (trx) => {
      const changes: Partial<PaymentsTable> = { status, updated_at: now, error_code: code, error_message: message };
      if (status === 'succeeded') changes.step = 'done';
      if (status === 'failed') changes.wallet_amount = 0;
      if (status === 'failed') changes.method_amount = 0;
      const moved = await trx.updateTable('payments').set(changes).where('id', '=', payment.id).where('status', '=', 'processing').executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('invoices')
        .set(
          status === 'succeeded'
            ? { status: 'paid', paid_at: now, updated_at: now }
            : { status: 'open', last_failure_code: code, last_failure_message: message, updated_at: now },
        )
        .where('id', '=', payment.invoice_id)
        .where('payment_id', '=', payment.id)
        .execute();
      const row = (await repo.paymentById(trx, payment.business_id, payment.id))!;
      const invoice = (await repo.invoiceById(trx, payment.business_id, payment.invoice_id))!;
      await this.paymentEvents(trx, row, invoice, status === 'succeeded' ? ['payment.succeeded', 'invoice.paid'] : ['payment.failed', 'invoice.payment_failed']);
      return true;
    });
    if (done) this.deps.onEvent?.();
  }

  private async wirePayment(db: repo.Executor, row: PaymentsTable): Promise<WirePayment> {
    const customer = await repo.paymentCustomer(db, row.business_id, row.customer_id);
    return toWirePayment(row, customer ?? { id: row.customer_id, email: '', name: '', phone_number: null });
  }

  private async paymentEvents(trx: Transaction<Database>, payment: PaymentsTable, invoice: InvoicesTable | null, types: OutboxEventType[]): Promise<void> {
    const wire = await this.wirePayment(trx, payment);
    const createdAt = this.now();
    await insertEvents(
      trx,
      types.map((type) =>
        eventRow({
          id: this.deps.newId(idPrefixes.event),
          businessId: payment.business_id,
          type,
          customerId: payment.customer_id,
          createdAt,
          data: type.startsWith('invoice.') && invoice ? { payload_type: 'Invoice', ...toWireInvoice(invoice) } : { payload_type: 'Payment', ...wire },
        }),
      ),
    );
  }
}
