// Wire schemas of the hold routes (Coffer extensions): request validation, the response allow-list, the OpenAPI entry.
import { type Static, Type } from '@sinclair/typebox';
import { Currency, idempotencyKeyLengthMax, pageNumberMax, pageSizeDefault, pageSizeMax, reasonLengthMax } from '../ledger/ledger-schemas.ts';
import { entryAmountMax } from '../shared/money.ts';
import { holdExpiresAtHorizonDays } from './hold-limits.ts';

const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

export const HoldCreateBody = Type.Object(
  {
    currency: Currency,
    amount: Type.Integer({ minimum: 1, maximum: entryAmountMax, description: `Amount to reserve in minor units, at most ${entryAmountMax}.` }),
    reason: Type.Optional(Type.Union([Type.String({ maxLength: reasonLengthMax, pattern: printableText }), Type.Null()])),
    expires_at: Type.Optional(
      Type.Union([Type.String({ format: 'date-time', maxLength: 40 }), Type.Null()], {
        description: `When an uncaptured hold is released by itself (after now, at most ${holdExpiresAtHorizonDays} days ahead). Absent or null: never.`,
      }),
    ),
    idempotency_key: Type.String({
      minLength: 1,
      maxLength: idempotencyKeyLengthMax,
      pattern: printableText,
      description: 'Required. The same key and request again returns the same hold (x-idempotent-replay: true).',
    }),
  },
  { additionalProperties: false, examples: [{ currency: 'USD', amount: 2500, reason: 'Ride 1042 in progress', idempotency_key: 'ride_1042_hold' }] },
);
export type HoldCreateBody = Static<typeof HoldCreateBody>;

export const HoldCaptureBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: entryAmountMax }), Type.Null()], {
        description: 'What to capture, at most the held amount; absent or null: all of it. The rest is released.',
      }),
    ),
  },
  { additionalProperties: false, examples: [{}] },
);

export const EmptyBody = Type.Object({}, { additionalProperties: false });

export const HoldIdParams = Type.Object(
  { hold_id: Type.String({ minLength: 1, maxLength: 64, pattern: printableText, description: 'Hold id, hold_…' }) },
  { additionalProperties: false },
);

const HoldStatus = Type.Union([Type.Literal('active'), Type.Literal('captured'), Type.Literal('released'), Type.Literal('expired')]);

export const Hold = Type.Object({
  id: Type.String({ description: 'hold_…' }),
  business_id: Type.String(),
  customer_id: Type.String(),
  currency: Type.String(),
  amount: Type.Integer({ description: 'The amount reserved, in minor units.' }),
  captured_amount: Type.Integer({ description: 'What the capture took (0 unless captured).' }),
  status: HoldStatus,
  reason: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  capture_entry_id: Type.Union([Type.String(), Type.Null()], { description: 'The debit entry the capture wrote.' }),
  reference_object_id: Type.Union([Type.String(), Type.Null()], { description: "The capture entry's reference_object_id." }),
  lots: Type.Array(
    Type.Object({
      lot_id: Type.Union([Type.String(), Type.Null()], {
        description: "The lot, or null for the wallet's paid money that never expires (one pool, spent oldest credit first when captured).",
      }),
      amount: Type.Integer(),
    }),
    { description: 'What the hold reserved from each lot, in consumption order: stored lots first, then the paid pool.' },
  ),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const HoldListQuery = Type.Object(
  {
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: pageNumberMax, default: 0 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault })),
    status: Type.Optional(HoldStatus),
  },
  { additionalProperties: false },
);

export const HoldListResponse = Type.Object({ items: Type.Array(Hold) });
