// What billing calls to move money on a card: charge a customer's named or primary method through the processor it
// was attached to, and refund a charge. No database transaction is open while a processor is called.
import { type Result, err, ok } from '../shared/result.ts';
import type { PaymentErrorCode } from './payment-errors.ts';
import type { PaymentMethodService } from './payment-method-service.ts';
import type { ChargeRequest, ChargeResult, PaymentProcessor, ProcessorKind, RefundRequest, RefundResult } from './processor.ts';

export interface PaymentServiceDeps {
  methods: PaymentMethodService;
  /** The processors this server runs; `http` is null unless COFFER_PAYMENT_PROCESSOR_URL is set. */
  processors: { simulated: PaymentProcessor; http: PaymentProcessor | null };
}

export type ChargeInput = Omit<ChargeRequest, 'paymentMethodId'> & {
  /** null: the customer's primary method. */
  paymentMethodId: string | null;
};

/** A charge's result with what a caller records beside it (to ask again, or to refund, through the same processor). */
export interface ChargeOutcome {
  processor: ProcessorKind;
  paymentMethodId: string;
  result: ChargeResult;
}

const notConfigured = () => err('PAYMENT_PROCESSOR_NOT_CONFIGURED', 'The http payment processor is not configured (COFFER_PAYMENT_PROCESSOR_URL)');

export class PaymentService {
  constructor(private readonly deps: PaymentServiceDeps) {}

  private processor(kind: ProcessorKind): PaymentProcessor | null {
    return this.deps.processors[kind];
  }

  /** A retry with the same idempotency key (and request) returns the first result and never charges twice. */
  async charge(input: ChargeInput, signal?: AbortSignal): Promise<Result<ChargeOutcome, PaymentErrorCode>> {
    const method = await this.deps.methods.methodToCharge(input.businessId, input.customerId, input.paymentMethodId);
    if (!method.ok) return method;
    const processor = this.processor(method.value.processor);
    if (!processor) return notConfigured();
    const result = await processor.charge({ ...input, paymentMethodId: method.value.paymentMethodId }, signal);
    if (result.status === 'succeeded') await this.deps.methods.markUsed(input.businessId, input.customerId, method.value.paymentMethodId);
    return ok({ processor: processor.kind, paymentMethodId: method.value.paymentMethodId, result });
  }

  /** Refunds through the processor that made the charge (a method detached since does not matter). */
  async refund(input: RefundRequest & { processor: ProcessorKind }, signal?: AbortSignal): Promise<Result<RefundResult, PaymentErrorCode>> {
    const { processor: kind, ...request } = input;
    const processor = this.processor(kind);
    if (!processor) return notConfigured();
    return ok(await processor.refund(request, signal));
  }
}
