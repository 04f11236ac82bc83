// Refunds in Dodo's shape, to the wallet or the card. The amount is decided in one transaction against what is left
// of the payment (a compare-and-set of its refunded amounts), so concurrent refunds never exceed it. The wallet part
// is credited through the ledger writer (event_type refund, reference the refund, keys refund:<id>:… in coffer:refund),
// money that came from an expiring lot goes back to a lot with its expiry and category; the card part is refunded
// through the processor by a job after commit, and a card refund the processor refuses is credited to the wallet.
import type { Kysely, Transaction } from 'kysely';
import type { Database, PaymentsTable, RefundsTable } from '../db/schema.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { CreditCommand, DebitCommand, EntryOutcome } from '../ledger/commands.ts';
import { type LedgerWriter, writerBusy } from '../ledger/ledger-writer.ts';
import { eventRow } from '../outbox/event-row.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { BillingErrorCode } from './billing-errors.ts';
import { invoicePaymentScope, refundJobAttemptsMax, refundJobKind, refundScope } from './billing-limits.ts';
import * as billingRepo from './billing-repo.ts';
import * as repo from './refund-repo.ts';

export interface RefundDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  writer: LedgerWriter;
  payments: PaymentService;
  onEvent?: () => void;
  /** Wakes the job runtime: a card refund's job is due at once. */
  onJobs?: () => void;
  /** Test hook for crash tests (COFFER_BILLING_STEP_PAUSE_MS): a pause after each persisted step. */
  stepPauseMs?: number;
}

export interface RefundRequest {
  payment_id: string;
  items?: Array<{ item_id: string; amount?: number | null; tax_inclusive?: boolean }> | null;
  reason?: string | null;
  metadata?: Record<string, string>;
  amount?: number | null;
  destination?: 'original' | 'wallet';
  /** Unique per business: the same key again answers the refund it made. */
  idempotency_key?: string | null;
}

export interface WireRefund {
  refund_id: string;
  business_id: string;
  brand_id: string;
  payment_id: string;
  created_at: string;
  customer: { customer_id: string; email: string; name: string; phone_number: string | null };
  is_partial: boolean;
  metadata: Record<string, string>;
  status: RefundsTable['status'];
  amount: number;
  currency: string;
  reason: string | null;
  destination: RefundsTable['destination'];
  wallet_amount: number;
  card_amount: number;
  card_status: RefundsTable['card_status'];
  error_code: string | null;
}

type RefundResult<T> = Result<T, BillingErrorCode>;

/** Compare-and-set attempts before a refund gives up against concurrent refunds of one payment (each loses only to a commit). */
const decideAttemptsMax = 20;
const stepsPerRunMax = 6;
const walletKey = (refundId: string, part: number) => `refund:${refundId}:wallet:${part}`;

/** Thrown inside the create transaction when another call took the idempotency key first: the transaction rolls back. */
class KeyTaken extends Error {}

export class RefundService {
  constructor(private readonly deps: RefundDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  async create(businessId: string, request: RefundRequest): Promise<RefundResult<WireRefund>> {
    const destination = request.destination ?? 'original';
    const items = request.items ?? null;
    if (items !== null && request.amount != null) return err('INVALID_REFUND', 'Send amount or items, not both');
    const first = await billingRepo.paymentById(this.deps.db, businessId, request.payment_id);
    if (!first) return err('PAYMENT_NOT_FOUND', `Payment ${request.payment_id} not found`);
    if (first.kind === 'top_up' && destination === 'wallet') return err('INVALID_REFUND', 'A top-up is refunded to the card (destination original): its money is in the wallet already');
    let asked: number | null = request.amount ?? null;
    if (items !== null) {
      const invoice = first.kind === 'invoice' ? await billingRepo.invoiceById(this.deps.db, businessId, first.invoice_id) : undefined;
      const lines: Array<{ amount: number }> = invoice ? JSON.parse(invoice.line_items) : [];
      asked = 0;
      for (const item of items) {
        const line = /^\d+$/.test(item.item_id) ? lines[Number(item.item_id)] : undefined;
        if (!line) return err('INVALID_REFUND', `items: ${item.item_id} is not a line item of the payment's invoice ('0' is the first)`);
        const amount = item.amount ?? line.amount;
        if (amount > line.amount) return err('INVALID_REFUND', `items: ${item.item_id} is ${line.amount}; ${amount} asked`);
        asked += amount;
      }
      if (asked === 0) return err('INVALID_REFUND', 'items: name at least one line item');
    }
    const key = request.idempotency_key ?? null;
    for (let attempt = 0; attempt < decideAttemptsMax; attempt++) {
      if (key !== null) {
        const earlier = await repo.refundByKey(this.deps.db, businessId, key);
        if (earlier) return this.replay(businessId, earlier, request, asked, destination);
      }
      const decided = await this.deps.db.transaction().execute(async (trx) => {
        const payment = await billingRepo.paymentById(trx, businessId, request.payment_id);
        if (!payment) return err('PAYMENT_NOT_FOUND', `Payment ${request.payment_id} not found`);
        if (payment.status !== 'succeeded') return err('PAYMENT_NOT_REFUNDABLE', `Payment ${payment.id} is ${payment.status}: only a succeeded payment can be refunded`);
        const leftWallet = Number(payment.wallet_amount) - Number(payment.refunded_wallet_amount);
        const leftMethod = Number(payment.method_amount) - Number(payment.refunded_method_amount);
        const amount = asked ?? leftWallet + leftMethod;
        if (amount === 0 || amount > leftWallet + leftMethod) {
          return err('REFUND_EXCEEDS_PAYMENT', `Payment ${payment.id} has ${leftWallet + leftMethod} ${payment.currency} left to refund; ${amount} asked`, { refundable_amount: leftWallet + leftMethod });
        }
        // The wallet part first, then the card part.
        const fromWallet = Math.min(amount, leftWallet);
        const fromMethod = amount - fromWallet;
        const now = this.now();
        if (!(await repo.takeRefundable(trx, payment, fromWallet, fromMethod, now))) return null;
        const toCard = destination === 'original' ? fromMethod : 0;
        const row: RefundsTable = {
          id: this.deps.newId(idPrefixes.refund),
          business_id: businessId,
          customer_id: payment.customer_id,
          payment_id: payment.id,
          currency: payment.currency,
          amount,
          from_wallet_amount: fromWallet,
          from_method_amount: fromMethod,
          destination,
          // A top-up's refund takes the credit back out of the wallet (a debit) and refunds the card.
          wallet_amount: payment.kind === 'top_up' ? 0 : amount - toCard,
          card_amount: payment.kind === 'top_up' ? amount : toCard,
          status: 'pending',
          step: 'started',
          card_status: (payment.kind === 'top_up' ? amount : toCard) > 0 ? 'pending' : 'none',
          processor_refund_id: null,
          error_code: null,
          reason: request.reason ?? null,
          metadata: JSON.stringify(request.metadata ?? {}),
          created_at: now,
          updated_at: now,
          idempotency_key: key,
        };
        // Another call with the same key may have inserted first: this insert then does nothing, and the loop answers
        // that call's refund (the refundable amounts taken above roll back with the transaction).
        const inserted = await trx.insertInto('refunds').values(row).onConflict((c) => c.columns(['business_id', 'idempotency_key']).doNothing()).executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new KeyTaken();
        // The job resumes a refund left pending (a crash) and runs its card part through the processor.
        await enqueueJob(trx, { kind: refundJobKind, key: row.id, dueAt: new Date(now), payload: { business_id: businessId, refund_id: row.id }, attemptsMax: refundJobAttemptsMax }, { newId: this.deps.newId, now: new Date(now) });
        return ok(row);
      }).catch((error: unknown) => {
        if (error instanceof KeyTaken) return null;
        throw error;
      });
      if (decided === null) continue;
      if (!decided.ok) return decided;
      this.deps.onJobs?.();
      const run = await this.run(businessId, decided.value.id, { card: false });
      if (!run.ok) return run;
      return this.get(businessId, decided.value.id);
    }
    throw new Error(`refund of payment ${request.payment_id}: ${decideAttemptsMax} concurrent refunds won the compare-and-set first`);
  }

  /** The refund an earlier call with the same key made, if this request asks for the same refund. */
  private async replay(businessId: string, earlier: RefundsTable, request: RefundRequest, asked: number | null, destination: string): Promise<RefundResult<WireRefund & { replayed: true }>> {
    if (earlier.payment_id !== request.payment_id || earlier.destination !== destination || (asked !== null && asked !== Number(earlier.amount))) {
      return err(
        'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
        `Idempotency key ${earlier.idempotency_key} was used for refund ${earlier.id} (payment ${earlier.payment_id}, ${earlier.amount} ${earlier.currency}, destination ${earlier.destination}); this request differs`,
        { refund_id: earlier.id },
      );
    }
    const got = await this.get(businessId, earlier.id);
    return got.ok ? ok({ ...got.value, replayed: true as const }) : got;
  }

  async get(businessId: string, id: string): Promise<RefundResult<WireRefund>> {
    const row = await repo.refundById(this.deps.db, businessId, id);
    if (!row) return err('REFUND_NOT_FOUND', `Refund ${id} not found`);
    return ok(await this.wire(this.deps.db, row));
  }

  async list(businessId: string, page: repo.RefundPage): Promise<RefundResult<{ items: WireRefund[] }>> {
    const rows = await repo.listRefunds(this.deps.db, businessId, page);
    const items: WireRefund[] = [];
    for (const row of rows) items.push(await this.wire(this.deps.db, row));
    return ok({ items });
  }

  /**
   * Runs a pending refund from its step. `card: false` (the create call) stops before the processor: the card part
   * is the job's. `pending`: ask again later (the writer was busy, the processor has no answer yet).
   */
  async run(businessId: string, refundId: string, options: { card: boolean } = { card: true }): Promise<RefundResult<'finished' | 'pending'>> {
    for (let steps = 0; steps < stepsPerRunMax; steps++) {
      const refund = await repo.refundById(this.deps.db, businessId, refundId);
      if (!refund) return err('REFUND_NOT_FOUND', `Refund ${refundId} not found`);
      if (refund.status !== 'pending') return ok('finished');
      const payment = (await billingRepo.paymentById(this.deps.db, businessId, refund.payment_id))!;
      const next = refund.step === 'started' ? await this.walletStep(refund, payment) : options.card ? await this.cardStep(refund, payment) : 'pending';
      if (next === 'pending') return ok('pending');
      if (this.deps.stepPauseMs) await new Promise((resolve) => setTimeout(resolve, this.deps.stepPauseMs));
    }
    return ok('pending');
  }

  /** The wallet's part: credits (one per lot it came from, then the rest), or a top-up's debit. */
  private async walletStep(refund: RefundsTable, payment: PaymentsTable): Promise<'moved' | 'pending'> {
    const base = { businessId: refund.business_id, customerId: refund.customer_id, currency: refund.currency, eventType: 'refund' as const, reason: refund.reason === null ? 'Refund' : refund.reason.slice(0, 255), referenceObjectId: refund.id };
    if (payment.kind === 'top_up') {
      const debit: DebitCommand = { kind: 'debit', ...base, amount: Number(refund.amount), idempotency: { scope: refundScope, key: walletKey(refund.id, 0) } };
      const outcome = await this.deps.writer.submit(debit);
      if (outcome === writerBusy) return 'pending';
      const entry = outcome as EntryOutcome;
      if (entry.kind === 'insufficient_funds') return this.failTopUpRefund(refund, payment);
      if (entry.kind !== 'applied' && entry.kind !== 'duplicate') throw new Error(`refund ${refund.id}: the debit was refused (${entry.kind})`);
    } else {
      for (const [part, credit] of (await this.walletCredits(refund, payment)).entries()) {
        const command: CreditCommand = { kind: 'credit', ...base, ...credit, dropLapsedExpiry: true, idempotency: { scope: refundScope, key: walletKey(refund.id, part) } };
        const outcome = await this.deps.writer.submit(command);
        if (outcome === writerBusy) return 'pending';
        const entry = outcome as EntryOutcome;
        if (entry.kind !== 'applied' && entry.kind !== 'duplicate') throw new Error(`refund ${refund.id}: credit ${part} was refused (${entry.kind})`);
      }
    }
    const now = this.now();
    if (Number(refund.card_amount) === 0) return this.finish(refund, { step: 'done', status: 'succeeded', updated_at: now }, 'refund.succeeded');
    await this.deps.db.updateTable('refunds').set({ step: 'wallet_done', updated_at: now }).where('id', '=', refund.id).where('step', '=', 'started').execute();
    return 'moved';
  }

  /**
   * The credits of the wallet part: what came from the wallet goes back to the lots it was drawn from (in the order
   * the wallet spends them, after what earlier refunds gave back), each with its expiry and category; the rest
   * (the card part, for destination wallet) as plain balance.
   */
  private async walletCredits(refund: RefundsTable, payment: PaymentsTable): Promise<Array<Pick<CreditCommand, 'amount' | 'expiresAt' | 'category'>>> {
    const credits: Array<Pick<CreditCommand, 'amount' | 'expiresAt' | 'category'>> = [];
    let fromWallet = Number(refund.from_wallet_amount);
    if (fromWallet > 0) {
      const capture = await repo.recordResult(this.deps.db, refund.business_id, invoicePaymentScope, `invoice:${payment.invoice_id}:wallet`);
      const draws = capture?.result_id ? await repo.drawsOf(this.deps.db, capture.result_id) : [];
      let skip = await repo.walletRefundedBefore(this.deps.db, payment.id, refund.id);
      for (const draw of draws) {
        if (fromWallet === 0) break;
        const usable = Number(draw.amount) - Math.min(skip, Number(draw.amount));
        skip = Math.max(0, skip - Number(draw.amount));
        const take = Math.min(usable, fromWallet);
        if (take === 0) continue;
        if (draw.expires_at !== null || draw.category !== 'paid') credits.push({ amount: take, expiresAt: draw.expires_at, category: draw.category });
        else credits.push({ amount: take });
        fromWallet -= take;
      }
    }
    // What the wallet part took from the paid pool (no stored draws: migration 0019) goes back as paid balance too.
    if (fromWallet > 0) credits.push({ amount: fromWallet });
    const cardPart = Number(refund.wallet_amount) - Number(refund.from_wallet_amount);
    if (cardPart > 0) credits.push({ amount: cardPart });
    return credits;
  }

  /** The card part through the processor (the job's step); a refusal credits it to the wallet instead. */
  private async cardStep(refund: RefundsTable, payment: PaymentsTable): Promise<'moved' | 'pending'> {
    if (payment.charge_id === null || payment.processor === null) throw new Error(`refund ${refund.id}: payment ${payment.id} has a card part but no charge`);
    const result = await this.deps.payments.refund({
      processor: payment.processor,
      idempotencyKey: `refund:${refund.id}:card`,
      businessId: refund.business_id,
      chargeId: payment.charge_id,
      currency: refund.currency,
      amount: Number(refund.card_amount),
      reason: refund.reason,
    });
    const now = this.now();
    if (!result.ok || result.value.status === 'pending_unknown') return 'pending';
    if (result.value.status === 'succeeded') {
      return this.finish(refund, { step: 'done', status: 'succeeded', card_status: 'succeeded', processor_refund_id: result.value.refundId, updated_at: now }, 'refund.succeeded');
    }
    // Refused: the customer still gets the money, as wallet balance (documented in docs/refunds.md).
    const outcome = await this.deps.writer.submit({
      kind: 'credit',
      businessId: refund.business_id,
      customerId: refund.customer_id,
      currency: refund.currency,
      amount: Number(refund.card_amount),
      eventType: 'refund',
      reason: `Card refund refused (${result.value.reason}): credited to the wallet`,
      referenceObjectId: refund.id,
      idempotency: { scope: refundScope, key: `refund:${refund.id}:card_to_wallet` },
    });
    if (outcome === writerBusy) return 'pending';
    const entry = outcome as EntryOutcome;
    if (entry.kind !== 'applied' && entry.kind !== 'duplicate') throw new Error(`refund ${refund.id}: the fallback credit was refused (${entry.kind})`);
    return this.finish(
      refund,
      { step: 'done', status: 'succeeded', card_status: 'failed_to_wallet', error_code: result.value.reason, wallet_amount: Number(refund.amount), card_amount: 0, updated_at: now },
      'refund.succeeded',
    );
  }

  /**
   * A card refund the processor had accepted and later failed (its callback's refund.failed, or the simulated
   * processor's extension route): the card part is credited to the wallet, as a refusal at once is (documented in
   * docs/refunds.md), under the same key, so a card part goes to the wallet at most once. The refund stays succeeded
   * (the customer has the money); card_status becomes failed_to_wallet and refund.failed is sent. Again (a replay, a
   * retry after a crash between the credit and the row) it credits nothing more.
   */
  async failCard(businessId: string, refundId: string, reason: string, processor: 'simulated' | 'http'): Promise<RefundResult<WireRefund>> {
    const refund = await repo.refundById(this.deps.db, businessId, refundId);
    if (!refund) return err('REFUND_NOT_FOUND', `Refund ${refundId} not found`);
    const payment = (await billingRepo.paymentById(this.deps.db, businessId, refund.payment_id))!;
    if (payment.processor === null) return err('REFUND_NOT_FAILABLE', `Refund ${refundId} has no card part: its payment charged no card`);
    if (payment.processor !== processor) {
      return err('REFUND_NOT_FAILABLE', `Refund ${refundId} went through the ${payment.processor} processor: only that processor reports its card refund failed`);
    }
    if (refund.card_status === 'failed_to_wallet') return this.get(businessId, refundId);
    if (refund.card_status !== 'succeeded') {
      return err('REFUND_NOT_FAILABLE', `Refund ${refundId} has card_status ${refund.card_status}: only a card refund the processor accepted (succeeded) can fail later`);
    }
    const outcome = await this.deps.writer.submit({
      kind: 'credit',
      businessId,
      customerId: refund.customer_id,
      currency: refund.currency,
      amount: Number(refund.card_amount),
      eventType: 'refund',
      reason: `Card refund failed (${reason}): credited to the wallet`,
      referenceObjectId: refund.id,
      idempotency: { scope: refundScope, key: `refund:${refund.id}:card_to_wallet` },
    });
    if (outcome === writerBusy) return err('SERVER_BUSY', 'The ledger writer is busy; report the failure again (nothing was credited twice)');
    const entry = outcome as EntryOutcome;
    if (entry.kind !== 'applied' && entry.kind !== 'duplicate') throw new Error(`refund ${refund.id}: the late failure's credit was refused (${entry.kind})`);
    if (this.deps.stepPauseMs) await new Promise((resolve) => setTimeout(resolve, this.deps.stepPauseMs));
    const now = this.now();
    const moved = await this.deps.db.transaction().execute(async (trx) => {
      const changes = { card_status: 'failed_to_wallet' as const, error_code: reason, wallet_amount: Number(refund.amount), card_amount: 0, updated_at: now };
      const updated = await trx.updateTable('refunds').set(changes).where('id', '=', refund.id).where('card_status', '=', 'succeeded').executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await this.refundEvent(trx, (await repo.refundById(trx, businessId, refund.id))!, 'refund.failed');
      return true;
    });
    if (moved) this.deps.onEvent?.();
    return this.get(businessId, refundId);
  }

  /** A top-up's refund whose debit the wallet cannot cover: nothing moved; the payment's refundable amount comes back. */
  private async failTopUpRefund(refund: RefundsTable, payment: PaymentsTable): Promise<'moved'> {
    const now = this.now();
    const done = await this.deps.db.transaction().execute(async (trx) => {
      const moved = await trx.updateTable('refunds').set({ status: 'failed', step: 'done', card_status: 'none', error_code: 'INSUFFICIENT_WALLET_FUNDS', updated_at: now }).where('id', '=', refund.id).where('status', '=', 'pending').executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      for (;;) {
        const current = (await billingRepo.paymentById(trx, payment.business_id, payment.id))!;
        if (await repo.takeRefundable(trx, current, -Number(refund.from_wallet_amount), -Number(refund.from_method_amount), now)) break;
      }
      await this.refundEvent(trx, (await repo.refundById(trx, refund.business_id, refund.id))!, 'refund.failed');
      return true;
    });
    if (done) this.deps.onEvent?.();
    return 'moved';
  }

  private async finish(refund: RefundsTable, changes: Partial<RefundsTable>, event: 'refund.succeeded' | 'refund.failed'): Promise<'moved'> {
    const done = await this.deps.db.transaction().execute(async (trx) => {
      const moved = await trx.updateTable('refunds').set(changes).where('id', '=', refund.id).where('status', '=', 'pending').executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await this.refundEvent(trx, (await repo.refundById(trx, refund.business_id, refund.id))!, event);
      return true;
    });
    if (done) this.deps.onEvent?.();
    return 'moved';
  }

  private async refundEvent(trx: Transaction<Database>, row: RefundsTable, type: 'refund.succeeded' | 'refund.failed'): Promise<void> {
    const data = { payload_type: 'Refund', ...(await this.wire(trx, row)) };
    await insertEvents(trx, [eventRow({ id: this.deps.newId(idPrefixes.event), businessId: row.business_id, type, customerId: row.customer_id, createdAt: this.now(), data })]);
  }

  private async wire(db: repo.Executor, row: RefundsTable): Promise<WireRefund> {
    const customer = await billingRepo.paymentCustomer(db, row.business_id, row.customer_id);
    const payment = await billingRepo.paymentById(db, row.business_id, row.payment_id);
    return {
      refund_id: row.id,
      business_id: row.business_id,
      brand_id: row.business_id,
      payment_id: row.payment_id,
      created_at: row.created_at,
      customer: { customer_id: row.customer_id, email: customer?.email ?? '', name: customer?.name ?? '', phone_number: customer?.phone_number ?? null },
      is_partial: payment ? Number(row.amount) < Number(payment.total_amount) : false,
      metadata: JSON.parse(row.metadata),
      status: row.status,
      amount: Number(row.amount),
      currency: row.currency,
      reason: row.reason,
      destination: row.destination,
      wallet_amount: Number(row.wallet_amount),
      card_amount: Number(row.card_amount),
      card_status: row.card_status,
      error_code: row.error_code,
    };
  }
}
