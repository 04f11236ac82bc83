// The hold expiry job (holds.expire): due at a hold's expires_at, enqueued by the writer in the transaction that
// placed the hold; it submits expire_hold, which does nothing to a hold captured or released meanwhile.
import type { JobHandler } from '../jobs/job-types.ts';
import type { HoldJobPayload } from './hold-limits.ts';
import type { HoldService } from './hold-service.ts';

const busyRetryMs = 1_000;

function payloadOf(payload: unknown): HoldJobPayload {
  const p = payload as Partial<HoldJobPayload> | null;
  if (!p || typeof p.hold_id !== 'string' || typeof p.business_id !== 'string') throw new Error('hold job payload must name business_id and hold_id');
  return p as HoldJobPayload;
}

export function holdExpiryHandler(holds: HoldService): JobHandler {
  return async (job, context) => {
    const payload = payloadOf(job.payload);
    const result = await holds.expire(payload.business_id, payload.hold_id);
    if (result.ok || result.code === 'HOLD_NOT_FOUND') return { status: 'done' };
    if (result.code === 'SERVER_BUSY') return { status: 'defer', reason: 'the ledger writer is busy', retryInMs: busyRetryMs };
    if (result.code === 'HOLD_NOT_ACTIVE') {
      const hold = await holds.get(payload.business_id, payload.hold_id);
      if (hold.ok && hold.value.status === 'active' && hold.value.expires_at !== null) {
        // Not due by this process's clock: wait until expires_at without counting an attempt.
        return { status: 'defer', reason: `hold expires at ${hold.value.expires_at}`, retryInMs: Math.max(1, new Date(hold.value.expires_at).getTime() - context.now.getTime()) };
      }
      return { status: 'done' };
    }
    return { status: 'retry', error: `${result.code}: ${result.message}` };
  };
}
