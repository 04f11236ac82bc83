// Wire schemas of the HTTP processor's callback (POST /processor/events) and of the simulated processor's late
// card-refund failure (POST /refunds/{refund_id}/fail): request validation, the response allow-list, the OpenAPI entries.
import { Type } from '@sinclair/typebox';
import { entryAmountMax } from '../shared/money.ts';
import { refundReasonLengthMax } from './billing-limits.ts';
import { Dispute, Refund } from './refund-schemas.ts';

const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
const BusinessId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$', description: 'The business the processor was called for (the business_id of its charge call).' });
const ProcessorId = (description: string) => Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$', description });
const Amount = Type.Integer({ minimum: 1, maximum: entryAmountMax, description: 'Minor units.' });
const DisputeReason = Type.Optional(Type.Union([Type.String({ maxLength: refundReasonLengthMax, pattern: printableText }), Type.Null()]));
export const ReasonCode = Type.String({ pattern: '^[a-z0-9_]{1,64}$', description: "The processor's reason code, e.g. card_expired." });

const ChargeId = ProcessorId('The charge_id the processor answered to the charge call.');
const ProcessorDisputeId = ProcessorId("The processor's own id of the dispute.");

export const ProcessorEventBody = Type.Union(
  [
    Type.Object({ type: Type.Literal('dispute.opened'), business_id: BusinessId, charge_id: ChargeId, dispute_id: ProcessorDisputeId, amount: Amount, reason: DisputeReason }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('dispute.won'), business_id: BusinessId, dispute_id: ProcessorDisputeId }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('dispute.lost'), business_id: BusinessId, dispute_id: ProcessorDisputeId }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('payment.reversed'), business_id: BusinessId, charge_id: ChargeId, amount: Amount, reason: DisputeReason }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('refund.failed'),
        business_id: BusinessId,
        refund_id: ProcessorId('The refund_id the processor answered to the refund call.'),
        reason: Type.Optional(Type.Union([ReasonCode, Type.Null()])),
      },
      { additionalProperties: false },
    ),
  ],
  { examples: [{ type: 'dispute.opened', business_id: 'bus_…', charge_id: 'ch_3Nv0q12eZvKYlo2C', dispute_id: 'dp_1Qx', amount: 2000, reason: 'fraudulent' }] },
);

export const ProcessorEventAnswer = Type.Object({
  event_id: Type.String({ description: 'The webhook-id of the request.' }),
  type: Type.String(),
  dispute: Type.Union([Dispute, Type.Null()], { description: 'The dispute the event opened or resolved (dispute.*, payment.reversed).' }),
  refund: Type.Union([Refund, Type.Null()], { description: 'The refund whose card part failed (refund.failed).' }),
});

export const RefundFailBody = Type.Object(
  { reason: Type.Optional(Type.Union([ReasonCode, Type.Null()])) },
  { additionalProperties: false, examples: [{ reason: 'card_expired' }] },
);
