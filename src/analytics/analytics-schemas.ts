// Wire schemas of the analytics routes (statements, as-of balances, trends, forecasts, reports, business settings).
import { type Static, Type } from '@sinclair/typebox';
import { timeZoneLengthMax } from '../businesses/business-settings.ts';
import { Currency, CustomerIdParams } from '../ledger/ledger-schemas.ts';
import { rangeDaysMax, topCustomersMax } from './analytics-limits.ts';

const DateTime = (description: string, example = '2025-03-01T00:00:00Z') => Type.String({ format: 'date-time', maxLength: 40, description, examples: [example] });
const Day = (description: string, example = '2025-03-01') => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description, examples: [example] });
const Period = Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { description: 'Bucket: local day, ISO week (from Monday) or month.' });

export const WalletsAsOfQuery = Type.Object({
  as_of: Type.Optional(DateTime('Coffer extension: the wallets as they were at this instant (after every entry created at or before it).')),
});

export const StatementQuery = Type.Object(
  {
    currency: Currency,
    from: DateTime('First instant of the statement (inclusive).'),
    to: DateTime('End of the statement (exclusive): the next statement starts here.', '2025-04-01T00:00:00Z'),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html')], { default: 'json' })),
  },
  { additionalProperties: false },
);
export type StatementQuery = Static<typeof StatementQuery>;

const EventTotals = Type.Object({
  event_type: Type.String(),
  credit_amount: Type.Integer({ minimum: 0 }),
  debit_amount: Type.Integer({ minimum: 0 }),
  entry_count: Type.Integer({ minimum: 0 }),
});

export const StatementEntry = Type.Object({
  id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  event_type: Type.String(),
  is_credit: Type.Boolean(),
  amount: Type.Integer(),
  before_balance: Type.Integer(),
  after_balance: Type.Integer(),
  reason: Type.Union([Type.String(), Type.Null()]),
  reference_object_id: Type.Union([Type.String(), Type.Null()]),
});

export const Statement = Type.Object({
  customer_id: Type.String(),
  currency: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  opening_balance: Type.Integer({ description: 'The balance after the last entry created before from.' }),
  closing_balance: Type.Integer({ description: 'The balance after the last entry created before to.' }),
  entry_count: Type.Integer({ minimum: 0 }),
  totals: Type.Array(EventTotals, { description: 'Per event_type, what the entries of [from, to) credited and debited.' }),
  entries: Type.Array(StatementEntry, { description: 'Oldest first.' }),
});

export const WalletParams = Type.Object(
  { customer_id: CustomerIdParams.properties.customer_id, currency: Currency },
  { additionalProperties: false },
);

export const DayRangeQuery = Type.Object(
  {
    from: Day('First local day (inclusive), in the business time zone.'),
    to: Day(`Last local day (exclusive); at most ${rangeDaysMax} days after from.`, '2025-04-01'),
  },
  { additionalProperties: false },
);

export const Trend = Type.Object({
  customer_id: Type.String(),
  currency: Type.String(),
  time_zone: Type.String(),
  opening_balance: Type.Integer({ description: 'The balance at the start of from.' }),
  items: Type.Array(Type.Object({ day: Type.String(), closing_balance: Type.Integer() })),
});

export const ForecastResponse = Type.Object({
  customer_id: Type.String(),
  currency: Type.String(),
  balance: Type.Integer(),
  window_days: Type.Integer(),
  window_spend: Type.Integer({ description: 'What debits took in the window, expirations aside.' }),
  burn_rate_per_day: Type.Integer(),
  projected_depletion_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  confidence: Type.Union([Type.Literal('high'), Type.Literal('low')]),
  reasons: Type.Array(Type.Union([Type.Literal('too_little_history'), Type.Literal('irregular_spend'), Type.Literal('recent_top_up')])),
});

export const ActivityQuery = Type.Object(
  { ...DayRangeQuery.properties, period: Type.Optional(Period), currency: Type.Optional(Currency) },
  { additionalProperties: false },
);

const reportHeader = { time_zone: Type.String(), from: Type.String(), to: Type.String() };

export const ActivityReport = Type.Object({
  ...reportHeader,
  period: Type.String(),
  items: Type.Array(
    Type.Object({
      period_start: Type.String(),
      currency: Type.String(),
      event_type: Type.String(),
      credit_amount: Type.Integer({ minimum: 0 }),
      debit_amount: Type.Integer({ minimum: 0 }),
      entry_count: Type.Integer({ minimum: 0 }),
    }),
  ),
});

export const TopCustomersQuery = Type.Object(
  { ...DayRangeQuery.properties, currency: Currency, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: topCustomersMax, default: 10 })) },
  { additionalProperties: false },
);

export const TopCustomersReport = Type.Object({
  ...reportHeader,
  currency: Type.String(),
  items: Type.Array(Type.Object({ customer_id: Type.String(), spend: Type.Integer({ minimum: 0 }) })),
});

export const LiabilityQuery = Type.Object({ date: Day('The local day whose end the liability is taken at.', '2025-03-31') }, { additionalProperties: false });

export const LiabilityReport = Type.Object({
  time_zone: Type.String(),
  date: Type.String(),
  at: Type.String({ format: 'date-time', description: 'The instant: the start of the next local day.' }),
  items: Type.Array(Type.Object({ currency: Type.String(), total: Type.Integer(), paid: Type.Integer(), promotional: Type.Integer() })),
  dispute_shortfalls: Type.Array(
    Type.Object({ currency: Type.String(), amount: Type.Integer({ minimum: 0 }) }),
    { description: 'Per currency, what lost disputes and reversals settled before `at` could not take back from the wallets (their shortfall_amount).' },
  ),
});

export const BreakageQuery = Type.Object({ ...DayRangeQuery.properties, period: Type.Optional(Period) }, { additionalProperties: false });

export const BreakageReport = Type.Object({
  ...reportHeader,
  period: Type.String(),
  items: Type.Array(
    Type.Object({
      period_start: Type.String(),
      currency: Type.String(),
      expired_amount: Type.Integer({ minimum: 0 }),
      promotional_amount: Type.Integer({ minimum: 0 }),
    }),
  ),
});

export const BusinessSettings = Type.Object({
  time_zone: Type.String({ description: 'IANA time zone that day buckets follow (reports, trends); UTC by default.' }),
});

export const BusinessSettingsPatch = Type.Object(
  { time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: timeZoneLengthMax, description: 'An IANA time zone (Europe/Paris, America/New_York, UTC).', examples: ['Europe/Paris'] })) },
  { additionalProperties: false },
);
