// The simulated payment processor: documented test methods whose outcome is fixed, and a table of the charges and
// refunds it made keyed by idempotency key, so that a retry (after a restart too) returns the original result.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SimulatedChargesTable } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import type { ChargeRequest, ChargeResult, PaymentProcessor, RefundRequest, RefundResult } from './processor.ts';
import { requestProblem } from './processor.ts';
import * as repo from './simulated-repo.ts';

/**
 * The test methods (attach them as `payment_method_id`), each with its outcome. `afterDelay`: answered after the
 * configured delay. `timesOut`: no answer until the timeout or the caller's abort (`pending_unknown`); asked again with
 * the same key, the charge turns out to have succeeded. Every other id is declined with `payment_method_unknown`.
 */
export const simulatedTestMethods = {
  pm_card_succeeds: { status: 'succeeded' },
  pm_card_declines: { status: 'declined', reason: 'card_declined', message: 'The card was declined' },
  pm_card_insufficient_funds: { status: 'declined', reason: 'insufficient_funds', message: 'The card has insufficient funds' },
  pm_card_fails_after_delay: { status: 'failed', reason: 'processing_error', message: 'The processor failed after a delay', afterDelay: true },
  pm_card_times_out: { status: 'succeeded', timesOut: true },
} as const satisfies Record<string, Outcome & { afterDelay?: true; timesOut?: true }>;

type Outcome = { status: 'succeeded' } | { status: 'declined' | 'failed'; reason: string; message: string };
type TestMethod = keyof typeof simulatedTestMethods;
const unknownMethod = { status: 'declined', reason: 'payment_method_unknown', message: 'Not a simulated test method' } as const;

export interface SimulatedProcessorDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  /** How long pm_card_times_out waits before answering pending_unknown (COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS). */
  timeoutMs: number;
  /** How long pm_card_fails_after_delay takes (COFFER_PAYMENT_SIMULATED_DELAY_MS). */
  delayMs: number;
}

const isTestMethod = (id: string): id is TestMethod => Object.hasOwn(simulatedTestMethods, id);

/** Resolves after `ms`, or with false as soon as `signal` aborts. */
function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const chargeFingerprint = (r: ChargeRequest) => `charge:v1:${digest(JSON.stringify([r.customerId, r.paymentMethodId, r.currency, r.amount]))}`;
const refundFingerprint = (r: RefundRequest) => `refund:v1:${digest(JSON.stringify([r.chargeId, r.currency, r.amount]))}`;

const keyReused = (key: string) => ({
  status: 'failed' as const,
  reason: 'idempotency_key_reused',
  message: `Idempotency key "${key}" was already used for a different request; nothing was charged`,
});

function chargeResult(row: SimulatedChargesTable): ChargeResult {
  switch (row.status) {
    case 'succeeded':
      return { status: 'succeeded', chargeId: row.id };
    case 'declined':
    case 'failed':
      return { status: row.status, reason: row.reason ?? 'unknown', message: messageOf(row.reason) };
    case 'pending':
      return { status: 'pending_unknown', message: 'The simulated processor has not answered yet; ask again with the same key' };
  }
}

function messageOf(reason: string | null): string {
  for (const outcome of Object.values(simulatedTestMethods) as Outcome[]) {
    if ('reason' in outcome && outcome.reason === reason) return outcome.message;
  }
  return reason === unknownMethod.reason ? unknownMethod.message : String(reason);
}

export class SimulatedProcessor implements PaymentProcessor {
  readonly kind = 'simulated' as const;
  constructor(private readonly deps: SimulatedProcessorDeps) {}

  async charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult> {
    const problem = requestProblem(request);
    if (problem !== null) throw new Error(`simulated charge refused: ${problem}`);
    const fingerprint = chargeFingerprint(request);
    const now = this.deps.clock.now().toISOString();
    const row: SimulatedChargesTable = {
      id: this.deps.newId(idPrefixes.simulatedCharge),
      business_id: request.businessId,
      idempotency_key: request.idempotencyKey,
      fingerprint,
      customer_id: request.customerId,
      payment_method_id: request.paymentMethodId,
      currency: request.currency,
      amount: request.amount,
      status: 'pending',
      reason: null,
      refunded_amount: 0,
      created_at: now,
      updated_at: now,
    };
    // The key is taken first: a second call (concurrent, or after a restart) finds this row instead of charging again.
    if (!(await repo.insertChargeUnlessKeyTaken(this.deps.db, row))) {
      const previous = await repo.findChargeByKey(this.deps.db, request.businessId, request.idempotencyKey);
      if (!previous) throw new Error(`simulated charge key ${request.idempotencyKey} was taken but its row is gone`);
      if (previous.fingerprint !== fingerprint) return keyReused(request.idempotencyKey);
      // A charge left pending (timed out, aborted, or the process stopped mid-call) settles now, deterministically.
      if (previous.status === 'pending') return chargeResult(await this.settle(previous, this.finalOutcome(previous.payment_method_id)));
      return chargeResult(previous);
    }
    const method = request.paymentMethodId;
    if (isTestMethod(method)) {
      const behaviour = simulatedTestMethods[method];
      if ('timesOut' in behaviour) {
        await wait(this.deps.timeoutMs, signal);
        return { status: 'pending_unknown', message: 'The simulated processor did not answer in time; ask again with the same key' };
      }
      if ('afterDelay' in behaviour && !(await wait(this.deps.delayMs, signal))) {
        return { status: 'pending_unknown', message: 'The call was aborted before the simulated processor answered; ask again with the same key' };
      }
    }
    return chargeResult(await this.settle(row, this.finalOutcome(method)));
  }

  /** What a charge on this method comes to in the end (pm_card_times_out: succeeded, once asked again). */
  private finalOutcome(paymentMethodId: string): Outcome {
    if (!isTestMethod(paymentMethodId)) return unknownMethod;
    const behaviour = simulatedTestMethods[paymentMethodId];
    return behaviour.status === 'succeeded' ? { status: 'succeeded' } : behaviour;
  }

  /** Moves a pending charge to its outcome (only once: a concurrent settle finds it settled) and returns the row. */
  private async settle(row: SimulatedChargesTable, outcome: Outcome): Promise<SimulatedChargesTable> {
    const reason = outcome.status === 'succeeded' ? null : outcome.reason;
    await repo.settleCharge(this.deps.db, row.id, outcome.status, reason, this.deps.clock.now().toISOString());
    const settled = await repo.findChargeById(this.deps.db, row.business_id, row.id);
    if (!settled) throw new Error(`simulated charge ${row.id} vanished`);
    return settled;
  }

  async refund(request: RefundRequest, _signal?: AbortSignal): Promise<RefundResult> {
    const problem = requestProblem(request);
    if (problem !== null) throw new Error(`simulated refund refused: ${problem}`);
    const fingerprint = refundFingerprint(request);
    const previous = await repo.findRefundByKey(this.deps.db, request.businessId, request.idempotencyKey);
    if (previous) return previous.fingerprint === fingerprint ? refundResult(previous) : keyReused(request.idempotencyKey);
    const recorded = await repo.recordRefund(this.deps.db, {
      id: this.deps.newId(idPrefixes.simulatedRefund),
      business_id: request.businessId,
      idempotency_key: request.idempotencyKey,
      fingerprint,
      charge_id: request.chargeId,
      amount: request.amount,
      currency: request.currency,
      created_at: this.deps.clock.now().toISOString(),
    });
    return recorded.fingerprint === fingerprint ? refundResult(recorded) : keyReused(request.idempotencyKey);
  }
}

const refundMessages: Record<string, string> = {
  charge_not_found: 'No simulated charge with this id in this business',
  charge_not_refundable: 'The charge did not succeed, so there is nothing to refund',
  currency_mismatch: 'The refund currency differs from the charge currency',
  amount_exceeds_refundable: 'The amount is more than what is left of the charge',
};

function refundResult(row: repo.RefundRow): RefundResult {
  if (row.status === 'succeeded') return { status: 'succeeded', refundId: row.id };
  const reason = row.reason ?? 'unknown';
  return { status: 'declined', reason, message: refundMessages[reason] ?? reason };
}
