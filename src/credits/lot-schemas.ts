// Wire schemas of the lot endpoints (Coffer extensions): the lots listing and an entry's draws.
import { type Static, Type } from '@sinclair/typebox';
import { Currency, CustomerIdParams, pageNumberMax, pageSizeDefault, pageSizeMax } from '../ledger/ledger-schemas.ts';

const LotCategory = Type.Union([Type.Literal('paid'), Type.Literal('promotional')]);

export const CreditLot = Type.Object({
  lot_id: Type.String({ description: 'lot_…' }),
  customer_id: Type.String(),
  currency: Type.String(),
  amount: Type.Integer({ description: 'What the credit put in, in minor units.' }),
  remaining_amount: Type.Integer({ description: 'What is left to spend (0 once spent or expired).' }),
  expired_amount: Type.Integer({ description: 'What expired (0 unless status is expired).' }),
  category: LotCategory,
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: never expires.' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('spent')], {
    description: 'expired from expires_at on, even before its expiration entry is written.',
  }),
  source_entry_id: Type.Union([Type.String(), Type.Null()], { description: 'The credit entry that made it; null for an opening lot (migration 0006).' }),
  created_at: Type.String({ format: 'date-time' }),
});

export const LotListQuery = Type.Object(
  {
    currency: Type.Optional(Currency),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('spent')])),
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: pageNumberMax, default: 0, description: '0-based page number.' })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault, description: `Page size, at most ${pageSizeMax}.` })),
  },
  { additionalProperties: false },
);
export type LotListQuery = Static<typeof LotListQuery>;

export const LotListResponse = Type.Object({ items: Type.Array(CreditLot) });

export const LotDraw = Type.Object({
  lot_id: Type.String(),
  amount: Type.Integer({ minimum: 1, description: 'What the entry took from the lot, in minor units.' }),
  category: LotCategory,
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const LotDrawListResponse = Type.Object({ items: Type.Array(LotDraw, { description: 'In consumption order; empty for a credit.' }) });

export const EntryParams = Type.Object(
  {
    customer_id: CustomerIdParams.properties.customer_id,
    entry_id: Type.String({ ...CustomerIdParams.properties.customer_id, description: 'Ledger entry id, cwt_…' }),
  },
  { additionalProperties: false },
);
