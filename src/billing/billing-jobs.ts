// The payment recovery job (billing.recover_payment): enqueued with each payment, due a while after it starts; it
// resumes a payment still processing (a crash between steps, a processor that did not answer) from its step, asking
// the processor again with the same key, so the card is charged at most once.
import type { JobHandler } from '../jobs/job-types.ts';
import type { BillingService } from './billing-service.ts';

/** Retry delay while the processor still has no answer. */
const pendingRetryMs = 30_000;

export function paymentRecoveryHandler(billing: BillingService): JobHandler {
  return async (job) => {
    const payload = job.payload as { business_id?: unknown; payment_id?: unknown } | null;
    if (!payload || typeof payload.business_id !== 'string' || typeof payload.payment_id !== 'string') {
      return { status: 'fail', error: 'payment job payload must name business_id and payment_id' };
    }
    const result = await billing.run(payload.business_id, payload.payment_id);
    if (!result.ok) return result.code === 'PAYMENT_NOT_FOUND' ? { status: 'done' } : { status: 'retry', error: `${result.code}: ${result.message}` };
    if (result.value === 'pending') return { status: 'retry', error: 'the payment is still processing (no answer from the processor yet)', retryInMs: pendingRetryMs };
    return { status: 'done' };
  };
}

/** billing.recover_top_up: resumes a top-up still processing from its step (same keys: charged and credited once). */
export function topUpRecoveryHandler(topUps: { run(businessId: string, paymentId: string): Promise<import('../shared/result.ts').Result<'finished' | 'pending', string>> }): JobHandler {
  return async (job) => {
    const payload = job.payload as { business_id?: unknown; payment_id?: unknown } | null;
    if (!payload || typeof payload.business_id !== 'string' || typeof payload.payment_id !== 'string') {
      return { status: 'fail', error: 'top-up job payload must name business_id and payment_id' };
    }
    const result = await topUps.run(payload.business_id, payload.payment_id);
    if (!result.ok) return result.code === 'PAYMENT_NOT_FOUND' ? { status: 'done' } : { status: 'retry', error: `${result.code}: ${result.message}` };
    if (result.value === 'pending') return { status: 'retry', error: 'the top-up is still processing (no answer from the processor yet)', retryInMs: pendingRetryMs };
    return { status: 'done' };
  };
}

/** billing.run_refund: runs a refund's card part through the processor, or resumes a refund left pending. */
export function refundJobHandler(refunds: { run(businessId: string, refundId: string): Promise<import('../shared/result.ts').Result<'finished' | 'pending', string>> }): JobHandler {
  return async (job) => {
    const payload = job.payload as { business_id?: unknown; refund_id?: unknown } | null;
    if (!payload || typeof payload.business_id !== 'string' || typeof payload.refund_id !== 'string') {
      return { status: 'fail', error: 'refund job payload must name business_id and refund_id' };
    }
    const result = await refunds.run(payload.business_id, payload.refund_id);
    if (!result.ok) return result.code === 'REFUND_NOT_FOUND' ? { status: 'done' } : { status: 'retry', error: `${result.code}: ${result.message}` };
    if (result.value === 'pending') return { status: 'retry', error: 'the refund is still pending (no answer from the processor yet)', retryInMs: pendingRetryMs };
    return { status: 'done' };
  };
}
