// Wire schemas of top-ups, refunds and disputes: request validation, the response allow-list and the OpenAPI entries.
import { type Static, Type } from '@sinclair/typebox';
import { idempotencyKeyLengthMax } from '../ledger/idempotency.ts';
import { Currency, CustomerWalletTransaction, pageNumberMax, pageSizeMax } from '../ledger/ledger-schemas.ts';
import { entryAmountMax } from '../shared/money.ts';
import { metadataKeysMax, metadataValueLengthMax, refundReasonLengthMax } from './billing-limits.ts';
import { Payment } from './billing-schemas.ts';

const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: printableText, description });
const Amount = (description: string) => Type.Integer({ minimum: 1, maximum: entryAmountMax, description });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()]);
const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 100, pattern: printableText }), Type.String({ maxLength: metadataValueLengthMax, pattern: printableText }), {
  maxProperties: metadataKeysMax,
});

export const TopUpBody = Type.Object(
  {
    currency: Currency,
    amount: Amount(`What to charge and credit, in minor units, at most ${entryAmountMax}.`),
    payment_method_id: Type.Optional(Nullable(Id("The customer's method to charge; absent or null: the primary method."))),
    idempotency_key: Type.String({
      minLength: 1,
      maxLength: idempotencyKeyLengthMax,
      pattern: printableText,
      description: 'Required. The same key and request again answers the same top-up (x-idempotent-replay: true) and never charges twice.',
    }),
  },
  { additionalProperties: false, examples: [{ currency: 'USD', amount: 2000, idempotency_key: 'topup_42' }] },
);
export type TopUpBody = Static<typeof TopUpBody>;

export const TopUp = Type.Object({
  payment: Payment,
  entry: Type.Union([CustomerWalletTransaction, Type.Null()], { description: 'The credit entry (event_type payment, reference_object_id the payment), once the charge succeeded.' }),
});

export const RefundCreateBody = Type.Object(
  {
    payment_id: Id('The payment to refund, pay_…'),
    items: Type.Optional(
      Nullable(
        Type.Array(
          Type.Object(
            {
              item_id: Id("An invoice line item's position, as a string: '0' is the first."),
              amount: Type.Optional(Nullable(Amount('Part of the item; absent: all of it.'))),
              tax_inclusive: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          { maxItems: 100 },
        ) as never,
      ),
    ),
    reason: Type.Optional(Nullable(Type.String({ maxLength: refundReasonLengthMax, pattern: printableText }))),
    metadata: Type.Optional(Metadata),
    amount: Type.Optional(Nullable(Amount('Coffer extension: a partial refund of this much, without items. Absent (and no items): all that is left.'))),
    destination: Type.Optional(
      Type.Union([Type.Literal('original'), Type.Literal('wallet')], {
        description: 'Coffer extension. original (default): the wallet part back to the wallet, the card part back to the card. wallet: everything back as wallet balance.',
      }),
    ),
    idempotency_key: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: idempotencyKeyLengthMax,
          pattern: printableText,
          description:
            'Coffer extension, unique per business. The same key and request again answers the refund it made (x-idempotent-replay: true) and refunds nothing more; the key with another payment, amount or destination is refused 409.',
        }),
      ),
    ),
  },
  { additionalProperties: false, examples: [{ payment_id: 'pay_…', reason: 'Goodwill', amount: 10, destination: 'wallet', idempotency_key: 'refund_order_42' }] },
);
export type RefundCreateBody = Static<typeof RefundCreateBody>;

const customer = Type.Object({ customer_id: Type.String(), email: Type.String(), name: Type.String(), phone_number: Type.Optional(Nullable(Type.String())) });

export const Refund = Type.Object({
  refund_id: Type.String(),
  business_id: Type.String(),
  brand_id: Type.String(),
  payment_id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  customer,
  is_partial: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('pending'), Type.Literal('review')]),
  amount: Type.Integer(),
  currency: Type.String(),
  reason: Nullable(Type.String()),
  destination: Type.Union([Type.Literal('original'), Type.Literal('wallet')], { description: 'Coffer extension.' }),
  wallet_amount: Type.Integer({ description: 'Coffer extension: what goes back to the wallet.' }),
  card_amount: Type.Integer({ description: 'Coffer extension: what goes back to the card (moved to wallet_amount if the processor refuses it).' }),
  card_status: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed_to_wallet')], {
    description: "Coffer extension: the card part's state; failed_to_wallet: the processor refused it and it was credited to the wallet.",
  }),
  error_code: Nullable(Type.String()),
});

export const RefundIdParams = Type.Object({ refund_id: Id('Refund id, ref_…') }, { additionalProperties: false });
export const RefundListQuery = Type.Object(
  {
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: pageNumberMax })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax })),
    customer_id: Type.Optional(Id('Only this customer')),
    payment_id: Type.Optional(Id('Coffer extension: only refunds of this payment')),
    status: Type.Optional(Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('pending'), Type.Literal('review')])),
    created_at_gte: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    created_at_lte: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    subscription_id: Type.Optional(Id('Accepted for the SDK; Coffer has no subscriptions here, so it matches nothing')),
  },
  { additionalProperties: false },
);
export const RefundListResponse = Type.Object({ items: Type.Array(Refund) });

export const DisputeCreateBody = Type.Object(
  {
    amount: Type.Optional(Nullable(Amount("What is disputed; absent: the payment's card part."))),
    kind: Type.Optional(Type.Union([Type.Literal('dispute'), Type.Literal('reversal')], { description: 'dispute (default): opened, then won or lost. reversal: the card payment is reversed at once.' })),
    reason: Type.Optional(Nullable(Type.String({ maxLength: refundReasonLengthMax, pattern: printableText }))),
  },
  { additionalProperties: false },
);
export const DisputeResolveBody = Type.Object({ outcome: Type.Union([Type.Literal('won'), Type.Literal('lost')]) }, { additionalProperties: false });
export const DisputeIdParams = Type.Object({ dispute_id: Id('Dispute id, dis_…') }, { additionalProperties: false });
export const PaymentIdParams = Type.Object({ payment_id: Id('Payment id, pay_…') }, { additionalProperties: false });

export const Dispute = Type.Object({
  dispute_id: Type.String(),
  business_id: Type.String(),
  payment_id: Type.String(),
  customer_id: Type.String(),
  amount: Type.String({ description: "Dodo's shape: the disputed amount as a string of minor units." }),
  currency: Type.String(),
  dispute_stage: Type.Literal('dispute'),
  dispute_status: Type.Union([Type.Literal('dispute_opened'), Type.Literal('dispute_won'), Type.Literal('dispute_lost')]),
  created_at: Type.String({ format: 'date-time' }),
  kind: Type.Union([Type.Literal('dispute'), Type.Literal('reversal')], { description: 'Coffer extension.' }),
  held_amount: Type.Integer({ description: 'Coffer extension: what the wallet could hold of the amount when it opened.' }),
  taken_amount: Type.Integer({ description: 'Coffer extension: what was taken from the wallet (a lost dispute, a reversal).' }),
  shortfall_amount: Type.Integer({ description: 'Coffer extension: what could not be taken back (the wallet did not have it).' }),
  reason: Nullable(Type.String()),
});
