// Wire schemas of payment methods: the list item exactly as the official SDK types it
// (`CustomerRetrievePaymentMethodsResponse.Item`), and Coffer's attach body and answer (an extension).
import { type Static, type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { CustomerIdParams } from '../ledger/ledger-schemas.ts';
import { countryCodes, paymentMethodKinds, paymentMethodTypes } from './payment-method-enums.ts';
import { processorKinds } from './processor.ts';

/** Most payment methods one customer can have. */
export const paymentMethodsPerCustomerMax = 20;
export const paymentMethodIdLengthMax = 64;

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((value) => Type.Literal(value))) as unknown as TUnion<TLiteral<T[number]>[]>;
const noControlCharacters = '^[^\\u0000-\\u001F\\u007F]*$';
/** URL-safe, so the id can be named in DELETE /customers/{id}/payment-methods/{payment_method_id}. */
const paymentMethodIdPattern = '^[A-Za-z0-9_\\-]+$';

export const PaymentMethodIdParams = Type.Object(
  {
    ...CustomerIdParams.properties,
    payment_method_id: Type.String({ minLength: 1, maxLength: paymentMethodIdLengthMax, pattern: noControlCharacters, description: 'Payment method id' }),
  },
  { additionalProperties: false },
);

const PaymentMethodKind = literals(paymentMethodKinds);
const PaymentMethodType = literals(paymentMethodTypes);
const CountryCode = literals(countryCodes);

/** The SDK's `Item.Card`: every field optional; Coffer answers the fields the method was attached with. */
export const PaymentMethodCard = Type.Object({
  card_holder_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  card_issuing_country: Type.Optional(Type.Union([CountryCode, Type.Null()])),
  card_network: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  card_type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  expiry_month: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  expiry_year: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  last4_digits: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type PaymentMethodCard = Static<typeof PaymentMethodCard>;

/** One item of GET /customers/{id}/payment-methods, field for field the SDK's `Item`. */
export const PaymentMethodItem = Type.Object({
  payment_method: PaymentMethodKind,
  payment_method_id: Type.String(),
  card: Type.Union([PaymentMethodCard, Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  payment_method_type: Type.Union([PaymentMethodType, Type.Null()]),
  recurring_enabled: Type.Union([Type.Boolean(), Type.Null()]),
});
export type PaymentMethodItem = Static<typeof PaymentMethodItem>;

export const PaymentMethodListResponse = Type.Object({ items: Type.Array(PaymentMethodItem) });

/** The attach answer: the item and what Coffer keeps beside it. */
export const AttachedPaymentMethod = Type.Object({
  ...PaymentMethodItem.properties,
  customer_id: Type.String(),
  primary: Type.Boolean({ description: "Whether charges without a named method use this one (the customer's first method, or the one attached with primary: true)." }),
  processor: literals(processorKinds),
  created_at: Type.String({ format: 'date-time' }),
});
export type AttachedPaymentMethod = Static<typeof AttachedPaymentMethod>;

const CardBody = Type.Object(
  {
    card_holder_name: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 255, pattern: noControlCharacters }))),
    card_issuing_country: Type.Optional(Type.Union([CountryCode, Type.Null()])),
    card_network: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 32, pattern: noControlCharacters, examples: ['Visa'] }))),
    card_type: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 32, pattern: noControlCharacters, examples: ['credit'] }))),
    expiry_month: Type.Optional(nullable(Type.String({ pattern: '^(0[1-9]|1[0-2])$', examples: ['12'] }))),
    expiry_year: Type.Optional(nullable(Type.String({ pattern: '^[0-9]{4}$', examples: ['2030'] }))),
    last4_digits: Type.Optional(nullable(Type.String({ pattern: '^[0-9]{4}$', examples: ['4242'] }))),
  },
  { additionalProperties: false },
);

export const PaymentMethodAttachBody = Type.Object(
  {
    payment_method_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: paymentMethodIdLengthMax,
        pattern: paymentMethodIdPattern,
        description: "Your processor's id for the method, or a simulated test method (pm_card_succeeds, …); Coffer makes a pm_… id when left out.",
      }),
    ),
    payment_method: Type.Optional(Type.Union([PaymentMethodKind], { description: 'Default card.' })),
    payment_method_type: Type.Optional(Type.Union([PaymentMethodType, Type.Null()])),
    card: Type.Optional(Type.Union([CardBody, Type.Null()])),
    recurring_enabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    primary: Type.Optional(Type.Boolean({ description: "Make it the customer's primary method (the first method attached is primary anyway)." })),
    processor: Type.Optional(Type.Union([literals(processorKinds)], { description: 'Which processor charges it: simulated (default) or http (COFFER_PAYMENT_PROCESSOR_URL).' })),
    idempotency_key: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 255, pattern: noControlCharacters }), Type.Null()], {
        description: 'A repeat with the same body returns the method the first attached; with another body it is refused (409).',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ payment_method_id: 'pm_card_succeeds', card: { card_network: 'Visa', last4_digits: '4242', expiry_month: '12', expiry_year: '2030' } }] },
);
export type PaymentMethodAttachBody = Static<typeof PaymentMethodAttachBody>;
