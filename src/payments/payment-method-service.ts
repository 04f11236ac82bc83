// Payment method use cases: attach (idempotent by payment_method_id and by client key), list (the primary first),
// detach (the next method in attach order becomes primary), and the primary method of a customer for charging.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, IdempotencyRecordsTable, PaymentMethodsTable } from '../db/schema.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, assertInvariant, err, ok } from '../shared/result.ts';
import type { PaymentErrorCode } from './payment-errors.ts';
import * as repo from './payment-method-repo.ts';
import {
  type AttachedPaymentMethod,
  type PaymentMethodAttachBody,
  type PaymentMethodCard,
  type PaymentMethodItem,
  paymentMethodsPerCustomerMax,
} from './payment-method-schemas.ts';
import type { ProcessorKind } from './processor.ts';

export interface PaymentMethodDeps {
  db: Kysely<Database>;
  store: StoreKind;
  clock: Clock;
  newId: IdGenerator;
  /** Whether COFFER_PAYMENT_PROCESSOR_URL is set (methods on the http processor can be attached). */
  httpProcessorConfigured: boolean;
}

type PaymentResult<T> = Result<T, PaymentErrorCode>;
export type AttachOutcome = { outcome: 'attached' | 'replayed'; method: AttachedPaymentMethod };

const resultType = 'payment_method';
const customerNotFound = (id: string) => err('CUSTOMER_NOT_FOUND', `Customer ${id} not found`);
const methodNotFound = (customerId: string, id: string) => err('PAYMENT_METHOD_NOT_FOUND', `Payment method ${id} not found on customer ${customerId}`);

const cardFields = ['card_holder_name', 'card_issuing_country', 'card_network', 'card_type', 'expiry_month', 'expiry_year', 'last4_digits'] as const;

/** What the method is, defaults filled in: the same id attached again with another description is refused. */
function describe(body: PaymentMethodAttachBody) {
  const card = body.card ? (Object.fromEntries(cardFields.map((field) => [field, body.card?.[field] ?? null])) as PaymentMethodCard) : null;
  return {
    payment_method: body.payment_method ?? 'card',
    payment_method_type: body.payment_method_type ?? null,
    card,
    recurring_enabled: body.recurring_enabled ?? null,
    processor: body.processor ?? 'simulated',
  };
}

const hash = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');
const methodFingerprint = (description: ReturnType<typeof describe>) => `${resultType}:v1:${hash(description)}`;
/** A client key's fingerprint: the customer, the id asked for (or none), the description and the primary flag. */
const keyFingerprint = (customerId: string, body: PaymentMethodAttachBody) =>
  `${resultType}:v1:${hash({ customerId, id: body.payment_method_id ?? null, primary: body.primary ?? false, ...describe(body) })}`;

export function toItem(row: PaymentMethodsTable): PaymentMethodItem {
  return {
    payment_method: row.payment_method as PaymentMethodItem['payment_method'],
    payment_method_id: row.payment_method_id,
    card: row.card === null ? null : (JSON.parse(row.card) as PaymentMethodCard),
    last_used_at: row.last_used_at,
    payment_method_type: row.payment_method_type as PaymentMethodItem['payment_method_type'],
    recurring_enabled: row.recurring_enabled === null ? null : row.recurring_enabled === 1,
  };
}

export function toAttached(row: PaymentMethodsTable): AttachedPaymentMethod {
  return { ...toItem(row), customer_id: row.customer_id, primary: row.is_primary === 1, processor: row.processor, created_at: row.created_at };
}

/** The key was recorded by a concurrent command between our read and our insert: the transaction is rolled back. */
class KeyTakenMeanwhile extends Error {}

type AttachAttempt =
  | { kind: 'done'; outcome: 'attached' | 'replayed'; row: PaymentMethodsTable }
  | { kind: 'repeat'; previous: IdempotencyRecordsTable }
  | { kind: 'refused'; failure: ReturnType<typeof err<PaymentErrorCode>> };

export class PaymentMethodService {
  constructor(private readonly deps: PaymentMethodDeps) {}

  async attach(businessId: string, customerId: string, body: PaymentMethodAttachBody): Promise<PaymentResult<AttachOutcome>> {
    const description = describe(body);
    if (description.processor === 'http' && !this.deps.httpProcessorConfigured) {
      return err('PAYMENT_PROCESSOR_NOT_CONFIGURED', 'processor "http" needs COFFER_PAYMENT_PROCESSOR_URL to be set on the server (docs/payments.md)');
    }
    const key = body.idempotency_key ?? null;
    const fingerprint = keyFingerprint(customerId, body);
    const now = this.deps.clock.now().toISOString();
    const id = body.payment_method_id ?? this.deps.newId(idPrefixes.paymentMethod);
    let attempt: AttachAttempt;
    try {
      // One transaction, the customer locked: the limit, the primary and the key hold together.
      attempt = await this.deps.db.transaction().execute(async (trx): Promise<AttachAttempt> => {
        if (!(await repo.lockCustomer(trx, this.deps.store, businessId, customerId))) return { kind: 'refused', failure: customerNotFound(customerId) };
        const previous = key === null ? undefined : await repo.findClientRecord(trx, businessId, key);
        if (previous) return { kind: 'repeat', previous };
        const existing = await repo.findMethod(trx, businessId, customerId, id);
        if (existing) {
          if (existing.fingerprint !== methodFingerprint(description)) {
            return { kind: 'refused', failure: err('PAYMENT_METHOD_ALREADY_ATTACHED', `Payment method ${id} is attached to customer ${customerId} already, with other fields; detach it first`) };
          }
          if (body.primary && existing.is_primary !== 1) {
            await repo.clearPrimary(trx, businessId, customerId, now);
            await repo.setPrimary(trx, businessId, customerId, id, now);
          }
          await this.record(trx, key, businessId, fingerprint, id, now);
          return { kind: 'done', outcome: 'replayed', row: (await repo.findMethod(trx, businessId, customerId, id))! };
        }
        const count = await repo.countMethods(trx, businessId, customerId);
        if (count >= paymentMethodsPerCustomerMax) {
          return { kind: 'refused', failure: err('PAYMENT_METHOD_LIMIT_REACHED', `A customer can have at most ${paymentMethodsPerCustomerMax} payment methods; detach one before attaching another`) };
        }
        const primary = count === 0 || body.primary === true;
        if (primary) await repo.clearPrimary(trx, businessId, customerId, now);
        const row: PaymentMethodsTable = {
          business_id: businessId,
          customer_id: customerId,
          payment_method_id: id,
          payment_method: description.payment_method,
          payment_method_type: description.payment_method_type,
          // As sent: the SDK's card fields are each optional, and a field the client left out stays out.
          card: body.card ? JSON.stringify(body.card) : null,
          recurring_enabled: description.recurring_enabled === null ? null : description.recurring_enabled ? 1 : 0,
          processor: description.processor,
          is_primary: primary ? 1 : 0,
          fingerprint: methodFingerprint(description),
          last_used_at: null,
          created_at: now,
          updated_at: now,
        };
        await repo.insertMethod(trx, row);
        await this.record(trx, key, businessId, fingerprint, id, now);
        return { kind: 'done', outcome: 'attached', row };
      });
    } catch (error) {
      if (!(error instanceof KeyTakenMeanwhile)) throw error;
      const previous = await repo.findClientRecord(this.deps.db, businessId, key!);
      assertInvariant(previous, `idempotency key ${key} was recorded by a concurrent command`);
      attempt = { kind: 'repeat', previous };
    }
    if (attempt.kind === 'refused') return attempt.failure;
    if (attempt.kind === 'repeat') return this.repeated(businessId, customerId, attempt.previous, fingerprint);
    return ok({ outcome: attempt.outcome, method: toAttached(attempt.row) });
  }

  private async record(trx: repo.Executor, key: string | null, businessId: string, fingerprint: string, id: string, now: string): Promise<void> {
    if (key === null) return;
    const record: IdempotencyRecordsTable = { business_id: businessId, scope: 'client', key, fingerprint, result_type: resultType, result_id: id, created_at: now };
    if (!(await repo.insertRecord(trx, record))) throw new KeyTakenMeanwhile();
  }

  /** An attach whose key was used before: the same request gets the method it attached, another request a conflict. */
  private async repeated(businessId: string, customerId: string, previous: IdempotencyRecordsTable, fingerprint: string): Promise<PaymentResult<AttachOutcome>> {
    if (previous.result_type !== resultType || previous.fingerprint !== fingerprint || previous.result_id === null) {
      return err('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', `Idempotency key "${previous.key}" was already used for a different request`);
    }
    const row = await repo.findMethod(this.deps.db, businessId, customerId, previous.result_id);
    if (!row) return err('PAYMENT_METHOD_NOT_FOUND', `Payment method ${previous.result_id}, attached with idempotency key "${previous.key}", has since been detached`);
    return ok({ outcome: 'replayed', method: toAttached(row) });
  }

  async list(businessId: string, customerId: string): Promise<PaymentResult<{ items: PaymentMethodItem[] }>> {
    if (!(await repo.lockCustomer(this.deps.db, null, businessId, customerId))) return customerNotFound(customerId);
    return ok({ items: (await repo.listMethods(this.deps.db, businessId, customerId)).map(toItem) });
  }

  /** Detaches a method; if it was the primary, the earliest attached of the rest (ties by id) becomes primary. */
  async detach(businessId: string, customerId: string, id: string): Promise<PaymentResult<null>> {
    return this.deps.db.transaction().execute(async (trx): Promise<PaymentResult<null>> => {
      if (!(await repo.lockCustomer(trx, this.deps.store, businessId, customerId))) return customerNotFound(customerId);
      const existing = await repo.findMethod(trx, businessId, customerId, id);
      if (!existing) return methodNotFound(customerId, id);
      await repo.deleteMethod(trx, businessId, customerId, id);
      if (existing.is_primary === 1) {
        const next = (await repo.listMethods(trx, businessId, customerId))[0];
        if (next) await repo.setPrimary(trx, businessId, customerId, next.payment_method_id, this.deps.clock.now().toISOString());
      }
      return ok(null);
    });
  }

  /** The method to charge: the one named, or the customer's primary. */
  async methodToCharge(businessId: string, customerId: string, id: string | null): Promise<PaymentResult<{ paymentMethodId: string; processor: ProcessorKind }>> {
    const rows = await repo.listMethods(this.deps.db, businessId, customerId);
    const row = id === null ? rows.find((r) => r.is_primary === 1) : rows.find((r) => r.payment_method_id === id);
    if (!row) {
      if (!(await repo.lockCustomer(this.deps.db, null, businessId, customerId))) return customerNotFound(customerId);
      return id === null ? err('PAYMENT_METHOD_NOT_FOUND', `Customer ${customerId} has no payment method`) : methodNotFound(customerId, id);
    }
    return ok({ paymentMethodId: row.payment_method_id, processor: row.processor });
  }

  async markUsed(businessId: string, customerId: string, id: string): Promise<void> {
    await repo.markUsed(this.deps.db, businessId, customerId, id, this.deps.clock.now().toISOString());
  }
}
