// Wire schemas of the low-balance threshold endpoints (Coffer extensions): one per wallet, and a business default.
import { type Static, Type } from '@sinclair/typebox';
import { walletBalanceMax } from '../shared/money.ts';
import { Currency, CustomerIdParams } from './ledger-schemas.ts';

export const ThresholdBody = Type.Object(
  {
    amount: Type.Integer({
      minimum: 0,
      maximum: walletBalanceMax,
      description: 'Minor units. wallet.low_balance fires when an entry takes the balance from at least this to below it; 0 turns alerts off.',
      examples: [500],
    }),
  },
  { additionalProperties: false },
);
export type ThresholdBody = Static<typeof ThresholdBody>;

export const WalletThresholdParams = Type.Object(
  { ...CustomerIdParams.properties, currency: Currency },
  { additionalProperties: false },
);

export const CurrencyParams = Type.Object({ currency: Currency }, { additionalProperties: false });

export const WalletThreshold = Type.Object({
  customer_id: Type.String(),
  currency: Type.String(),
  amount: Type.Union([Type.Integer(), Type.Null()], { description: 'The threshold in force, in minor units; null: no alerts.' }),
  source: Type.Union([Type.Literal('wallet'), Type.Literal('business_default'), Type.Literal('none')], {
    description: "Where `amount` comes from: this wallet's own threshold, the business default for the currency, or neither.",
  }),
});

export const DefaultThreshold = Type.Object({
  currency: Type.String(),
  amount: Type.Integer(),
  updated_at: Type.String({ format: 'date-time' }),
});

export const DefaultThresholdList = Type.Object({ items: Type.Array(DefaultThreshold) });
