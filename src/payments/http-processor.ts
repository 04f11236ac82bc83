// The HTTP payment processor: Coffer POSTs a Standard-Webhooks-signed JSON request to the merchant's URL (their
// Stripe, Dodo or bank integration behind it) and maps the answer; anything it cannot read as a final answer is
// pending_unknown, to be asked again with the same key. Sent through the shared SSRF-guarded sender.
import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';
import { guardedPost } from '../shared/guarded-post.ts';
import { signatureHeaders } from '../webhooks/signing.ts';
import type { ChargeRequest, ChargeResult, PaymentProcessor, RefundRequest, RefundResult } from './processor.ts';
import { requestProblem } from './processor.ts';

export const processorUserAgent = 'Coffer-Payments/1';
/** The processor's answer is read up to this many bytes; a longer one is not an answer (pending_unknown). */
export const processorResponseBytesMax = 16_384;
const reasonPattern = /^[a-z0-9_]{1,64}$/;
const externalIdPattern = /^[\x21-\x7E]{1,255}$/;
const messageLengthMax = 500;

export interface HttpProcessorDeps {
  url: string;
  /** A Standard Webhooks secret (`whsec_…`) the merchant's receiver verifies with. */
  secret: string;
  timeoutMs: number;
  allowPrivateUrls: boolean;
  clock: Clock;
}

/** The JSON Coffer sends (docs/payments.md shows both). */
export type ProcessorCall =
  | { type: 'charge'; idempotency_key: string; business_id: string; customer_id: string; payment_method_id: string; currency: string; amount: number; description: string; metadata: Record<string, string | number | boolean> }
  | { type: 'refund'; idempotency_key: string; business_id: string; charge_id: string; currency: string; amount: number; reason: string | null };

/** One webhook-id per (call type, business, key): a retry carries the id of the first attempt, so a receiver can dedupe on it too. */
export function processorMessageId(call: Pick<ProcessorCall, 'type' | 'business_id' | 'idempotency_key'>): string {
  return `pcr_${createHash('sha256').update(JSON.stringify([call.type, call.business_id, call.idempotency_key])).digest('hex').slice(0, 32)}`;
}

type Answer = { status: 'succeeded'; id: string } | { status: 'declined' | 'failed'; reason: string; message: string } | { status: 'pending_unknown'; message: string };

const unknown = (message: string): Answer => ({ status: 'pending_unknown', message });

/** Reads a 2xx body: a final answer in the contract's shape, or pending_unknown for anything else. */
function readAnswer(body: string | null, idField: 'charge_id' | 'refund_id'): Answer {
  if (body === null) return unknown('the processor answered more than the readable limit');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return unknown('the processor answered 2xx without a JSON body');
  }
  if (typeof parsed !== 'object' || parsed === null) return unknown('the processor answered 2xx without a JSON object');
  const answer = parsed as Record<string, unknown>;
  const message = typeof answer.message === 'string' ? answer.message.slice(0, messageLengthMax) : '';
  switch (answer.status) {
    case 'succeeded': {
      const id = answer[idField];
      if (typeof id === 'string' && externalIdPattern.test(id)) return { status: 'succeeded', id };
      return unknown(`the processor answered succeeded without a valid ${idField}`);
    }
    case 'declined':
    case 'failed': {
      const reason = typeof answer.reason === 'string' && reasonPattern.test(answer.reason) ? answer.reason : 'unspecified';
      return { status: answer.status, reason, message: message || `the processor answered ${answer.status}` };
    }
    case 'pending':
      return unknown(message || 'the processor has not settled it yet');
    default:
      return unknown('the processor answered 2xx with an unknown status');
  }
}

export class HttpProcessor implements PaymentProcessor {
  readonly kind = 'http' as const;
  constructor(private readonly deps: HttpProcessorDeps) {}

  /** Sends one call and maps every way it can go; never throws for an expected outcome. */
  async send(call: ProcessorCall, signal?: AbortSignal): Promise<Answer> {
    const body = JSON.stringify(call);
    const headers = signatureHeaders({ id: processorMessageId(call), body, now: this.deps.clock.now(), secrets: [this.deps.secret] });
    const response = await guardedPost({
      url: this.deps.url,
      body,
      headers: { ...headers, 'user-agent': processorUserAgent },
      timeoutMs: this.deps.timeoutMs,
      allowPrivateUrls: this.deps.allowPrivateUrls,
      responseBytesMax: processorResponseBytesMax,
      readBody: true,
      signal,
    });
    if (response.kind === 'failed') {
      // Not connected: the request never left, so nothing was charged. Connected (or out of time): it may have.
      // An abort is never read as "not sent": the caller gave up waiting, and asks again with the key.
      if (!response.connected && !response.timedOut && !signal?.aborted) return { status: 'failed', reason: 'processor_unreachable', message: response.error };
      return unknown(`no answer from the processor: ${response.error}`);
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) return readAnswer(response.body, call.type === 'charge' ? 'charge_id' : 'refund_id');
    if (status === 409) return unknown('the processor is still working on this key (409)');
    if (status === 429) return { status: 'failed', reason: 'processor_busy', message: 'the processor refused the call for now (429); nothing was charged' };
    if (status >= 400 && status < 500) return { status: 'failed', reason: 'processor_rejected_request', message: `the processor refused the request (HTTP ${status}); nothing was charged` };
    return unknown(`the processor answered HTTP ${status}`);
  }

  async charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult> {
    const problem = requestProblem(request);
    if (problem !== null) throw new Error(`charge refused: ${problem}`);
    const answer = await this.send(
      {
        type: 'charge',
        idempotency_key: request.idempotencyKey,
        business_id: request.businessId,
        customer_id: request.customerId,
        payment_method_id: request.paymentMethodId,
        currency: request.currency,
        amount: request.amount,
        description: request.description,
        metadata: { ...request.metadata },
      },
      signal,
    );
    return answer.status === 'succeeded' ? { status: 'succeeded', chargeId: answer.id } : answer;
  }

  async refund(request: RefundRequest, signal?: AbortSignal): Promise<RefundResult> {
    const problem = requestProblem(request);
    if (problem !== null) throw new Error(`refund refused: ${problem}`);
    const answer = await this.send(
      {
        type: 'refund',
        idempotency_key: request.idempotencyKey,
        business_id: request.businessId,
        charge_id: request.chargeId,
        currency: request.currency,
        amount: request.amount,
        reason: request.reason,
      },
      signal,
    );
    return answer.status === 'succeeded' ? { status: 'succeeded', refundId: answer.id } : answer;
  }
}
