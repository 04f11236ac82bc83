// Wire schemas of invoices and payments: request validation, the response allow-list and the OpenAPI entries.
import { Type } from '@sinclair/typebox';
import { Currency, pageNumberMax, pageSizeDefault, pageSizeMax } from '../ledger/ledger-schemas.ts';
import { entryAmountMax } from '../shared/money.ts';
import { lineItemDescriptionLengthMax, lineItemsMax, metadataKeysMax, metadataValueLengthMax } from './billing-limits.ts';

const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: printableText, description });

export const InvoiceCreateBody = Type.Object(
  {
    customer_id: Id('Customer id, cus_…'),
    currency: Currency,
    line_items: Type.Array(
      Type.Object(
        {
          description: Type.String({ minLength: 1, maxLength: lineItemDescriptionLengthMax, pattern: printableText }),
          amount: Type.Integer({ minimum: 1, maximum: entryAmountMax, description: 'Minor units.' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: lineItemsMax },
    ),
    wallet: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('auto'), Type.Literal('never'), Type.Literal('cap')], {
            description: 'auto (the default): the wallet pays what it can; never: all to the method; cap: the wallet pays at most cap_amount.',
          }),
          cap_amount: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: entryAmountMax }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 100, pattern: printableText }), Type.String({ maxLength: metadataValueLengthMax, pattern: printableText }), {
        maxProperties: metadataKeysMax,
      }),
    ),
  },
  { additionalProperties: false, examples: [{ customer_id: 'cus_…', currency: 'USD', line_items: [{ description: 'Monthly plan', amount: 2000 }] }] },
);

export const InvoicePayBody = Type.Object(
  { payment_method_id: Type.Optional(Type.Union([Id('A payment method of the customer; absent or null: the primary.'), Type.Null()])) },
  { additionalProperties: false, examples: [{}] },
);

export const EmptyBody = Type.Object({}, { additionalProperties: false });

export const InvoiceIdParams = Type.Object({ invoice_id: Id('Invoice id, inv_…') }, { additionalProperties: false });
export const PaymentIdParams = Type.Object({ payment_id: Id('Payment id, pay_…') }, { additionalProperties: false });

export const Invoice = Type.Object({
  invoice_id: Type.String(),
  business_id: Type.String(),
  customer_id: Type.String(),
  currency: Type.String(),
  total_amount: Type.Integer(),
  line_items: Type.Array(Type.Object({ description: Type.String(), amount: Type.Integer() })),
  wallet: Type.Object({ mode: Type.String(), cap_amount: Type.Union([Type.Integer(), Type.Null()]) }),
  metadata: Type.Record(Type.String(), Type.String()),
  status: Type.Union([Type.Literal('open'), Type.Literal('processing'), Type.Literal('paid'), Type.Literal('void')]),
  payment_id: Type.Union([Type.String(), Type.Null()], { description: 'The payment in progress, or the last one tried.' }),
  attempt_count: Type.Integer(),
  last_failure: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  paid_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  subscription_id: Type.Union([Type.String(), Type.Null()], { description: 'The subscription this invoice renews or charges (sub_…), else null.' }),
  subscription_period_start: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: "A renewal's period start: one invoice per subscription and period." }),
});

const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);

export const Payment = Type.Object({
  payment_id: Type.String(),
  business_id: Type.String(),
  brand_id: Type.String(),
  total_amount: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('processing'), Type.Literal('succeeded'), Type.Literal('failed')]),
  customer: Type.Object({ customer_id: Type.String(), email: Type.String(), name: Type.String(), phone_number: Nullable(Type.String()) }),
  invoice_id: Nullable(Type.String({ description: 'The invoice paid; null for a top-up.' })),
  subscription_id: Type.Null(),
  payment_method: Nullable(Type.String()),
  payment_method_type: Nullable(Type.String()),
  payment_link: Type.Null(),
  error_code: Nullable(Type.String()),
  error_message: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  disputes: Type.Array(Type.Unknown(), { maxItems: 0 }),
  refunds: Type.Array(Type.Unknown(), { maxItems: 0 }),
  settlement_amount: Type.Integer(),
  settlement_currency: Type.String(),
  settlement_tax: Type.Null(),
  tax: Type.Null(),
  discount_id: Type.Null(),
  digital_products_delivered: Type.Boolean(),
  billing: Type.Object({ city: Type.String(), country: Type.String(), state: Type.String(), street: Type.String(), zipcode: Type.String() }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  wallet_amount: Type.Integer({ description: 'Coffer extension: what the wallet paid, in minor units.' }),
  method_amount: Type.Integer({ description: 'Coffer extension: what was charged to the payment method, in minor units.' }),
  hold_id: Nullable(Type.String({ description: "Coffer extension: the wallet part's hold." })),
  charge_id: Nullable(Type.String({ description: "Coffer extension: the processor's charge id." })),
  attempt: Type.Integer({ description: "Coffer extension: this payment's attempt number on its invoice." }),
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('top_up')], { description: "Coffer extension: an invoice's payment or a wallet top-up." }),
  refunded_amount: Type.Integer({ description: 'Coffer extension: what refunds have taken back of this payment so far, in minor units.' }),
});

export const ListQuery = Type.Object(
  {
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: pageNumberMax, default: 0 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault })),
    customer_id: Type.Optional(Id('Only this customer')),
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 20, pattern: '^[a-z_]+$' })),
  },
  { additionalProperties: false },
);

export const InvoiceListResponse = Type.Object({ items: Type.Array(Invoice) });
export const PaymentListResponse = Type.Object({ items: Type.Array(Payment) });
