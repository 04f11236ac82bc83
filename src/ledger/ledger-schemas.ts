// Wire schemas of the ledger endpoints, exactly in Dodo's shapes; they validate requests and document the API.
import { type Static, Type } from '@sinclair/typebox';
import { expiresAtHorizonDays } from '../credits/credit-limits.ts';
import { entryAmountMax } from '../shared/money.ts';
import { eventTypes } from './commands.ts';

export const reasonLengthMax = 3000;
export const idempotencyKeyLengthMax = 255;
export const pageSizeMax = 100;
export const pageSizeDefault = 10;
export const pageNumberMax = 10_000_000;

/** Text without C0 control characters other than tab, newline and carriage return, and without DEL. */
const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

export const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 currency code in upper case; the server accepts the configured wallet currencies (default USD, INR).',
  examples: ['USD'],
});

export const CustomerIdParams = Type.Object(
  { customer_id: Type.String({ minLength: 1, maxLength: 64, pattern: printableText, description: 'Customer id, cus_…' }) },
  { additionalProperties: false },
);

export const LedgerEntryCreateBody = Type.Object(
  {
    amount: Type.Integer({
      minimum: 1,
      maximum: entryAmountMax,
      description: `Positive amount in minor units (cents, paise), at most ${entryAmountMax}.`,
    }),
    currency: Currency,
    entry_type: Type.Union([Type.Literal('credit'), Type.Literal('debit')], {
      description: 'credit adds funds, debit removes them.',
    }),
    idempotency_key: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: idempotencyKeyLengthMax, pattern: printableText }), Type.Null()], {
        description: 'Unique per business. A repeat is answered 409 IDEMPOTENCY_KEY_ALREADY_USED and writes nothing.',
      }),
    ),
    reason: Type.Optional(
      Type.Union([Type.String({ maxLength: reasonLengthMax, pattern: printableText }), Type.Null()], {
        description: `Free text for the audit trail, at most ${reasonLengthMax} characters.`,
      }),
    ),
    expires_at: Type.Optional(
      Type.Union([Type.String({ format: 'date-time', maxLength: 40 }), Type.Null()], {
        description:
          `Coffer extension, credits only: when this credit's money expires (ISO 8601, after now, at most ${expiresAtHorizonDays} days ahead). ` +
          'From that instant its remainder cannot be spent and an expiration entry takes it (docs/expiry.md). Absent or null: never expires.',
        'x-coffer-extension': true,
      }),
    ),
    category: Type.Optional(
      Type.Union([Type.Literal('paid'), Type.Literal('promotional')], {
        description: 'Coffer extension, credits only: promotional money is spent before paid money of the same expiry. Default paid.',
        'x-coffer-extension': true,
      }),
    ),
  },
  { additionalProperties: false },
);
export type LedgerEntryCreateBody = Static<typeof LedgerEntryCreateBody>;

export const CustomerWallet = Type.Object({
  balance: Type.Integer({ description: 'Balance in minor units.' }),
  created_at: Type.String({ format: 'date-time' }),
  currency: Type.String(),
  customer_id: Type.String(),
  updated_at: Type.String({ format: 'date-time' }),
});

/** A wallet in the list, with the expiry figures (Coffer extensions, additive: the SDK's WalletListResponse still parses). */
export const CustomerWalletWithExpiry = Type.Object({
  ...CustomerWallet.properties,
  expiring_amount: Type.Integer({
    minimum: 0,
    description: 'Coffer extension: the part of balance that expires within COFFER_EXPIRING_WINDOW_DAYS (default 30) unless spent first.',
  }),
  next_expiry_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: "Coffer extension: the earliest expires_at of the wallet's unexpired lots, or null when none expires.",
  }),
  held_amount: Type.Integer({
    minimum: 0,
    description: 'Coffer extension: what active holds reserve of balance, in minor units (docs/wallets.md#holds).',
  }),
  available_balance: Type.Integer({
    description: 'Coffer extension: balance − held_amount, what a debit or a new hold can take, in minor units.',
  }),
});

export const WalletListResponse = Type.Object({
  items: Type.Array(CustomerWalletWithExpiry),
  total_balance_usd: Type.Integer({ description: 'Sum of all balances converted to US cents (see docs/wallets.md).' }),
});

export const CustomerWalletTransaction = Type.Object({
  id: Type.String(),
  after_balance: Type.Integer(),
  amount: Type.Integer(),
  before_balance: Type.Integer(),
  business_id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  currency: Type.String(),
  customer_id: Type.String(),
  event_type: Type.Union(eventTypes.map((t) => Type.Literal(t))),
  is_credit: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  reference_object_id: Type.Union([Type.String(), Type.Null()]),
  idempotency_key: Type.Union([Type.String(), Type.Null()]),
});

export const LedgerEntryListQuery = Type.Object(
  {
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: pageNumberMax, default: 0, description: '0-based page number.' })),
    page_size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault, description: `Page size, at most ${pageSizeMax}.` }),
    ),
    currency: Type.Optional(Currency),
  },
  { additionalProperties: false },
);
export type LedgerEntryListQuery = Static<typeof LedgerEntryListQuery>;

export const LedgerEntryListResponse = Type.Object({ items: Type.Array(CustomerWalletTransaction) });
