// The renewal and dunning job (subscriptions.bill): enqueued when a subscription starts, when a period is paid (for
// the next) and when a renewal fails (for each retry); it bills or retries one period (renewal.ts).
import type { JobHandler } from '../jobs/job-types.ts';
import type { BillPayload, Renewals } from './renewal.ts';

function payloadOf(payload: unknown): BillPayload | null {
  const p = payload as Partial<BillPayload> | null;
  if (!p || typeof p.business_id !== 'string' || typeof p.subscription_id !== 'string') return null;
  if (!Number.isSafeInteger(p.period_index) || !Number.isSafeInteger(p.retry)) return null;
  return p as BillPayload;
}

export function subscriptionBillHandler(renewals: Renewals): JobHandler {
  return async (job) => {
    const payload = payloadOf(job.payload);
    if (!payload) return { status: 'fail', error: 'subscription job payload must name business_id, subscription_id, period_index and retry' };
    const outcome = await renewals.bill(payload);
    // Waiting for a payment in progress (its recovery job finishes it) is not an attempt of this job.
    if (outcome.status === 'pending') return { status: 'defer', reason: outcome.reason, retryInMs: outcome.retryInMs };
    return outcome;
  };
}
