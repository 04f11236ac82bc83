// Wire schemas of auto-recharge (Coffer extension): the setting a PUT sends, the setting as read, an attempt.
import { type Static, Type } from '@sinclair/typebox';
import { Currency, CustomerIdParams } from '../ledger/ledger-schemas.ts';
import {
  rechargeAmountMax,
  rechargeCooldownSecondsDefault,
  rechargeCooldownSecondsMax,
  rechargeMaxDeclinesDefault,
  rechargeMaxDeclinesMax,
  rechargeMonthlyCapAmountMax,
  rechargeMonthlyCapRechargesDefault,
  rechargeThresholdAmountMax,
} from './recharge-limits.ts';

const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

export const AutoRechargeParams = Type.Object({ ...CustomerIdParams.properties, currency: Currency }, { additionalProperties: false });

export const AutoRechargeBody = Type.Object(
  {
    threshold_amount: Type.Integer({
      minimum: 1,
      maximum: rechargeThresholdAmountMax,
      description: 'Minor units: a recharge starts when the available balance (balance − held) is below this.',
    }),
    amount: Type.Integer({ minimum: 1, maximum: rechargeAmountMax, description: 'Minor units: what each recharge tops up.' }),
    payment_method_id: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64, pattern: printableText }), Type.Null()], {
        description: "A method attached to the customer; null or absent: the customer's primary method at the time of each recharge.",
      }),
    ),
    cooldown_seconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: rechargeCooldownSecondsMax, description: `Least time between the starts of two recharges (default ${rechargeCooldownSecondsDefault}).` }),
    ),
    monthly_cap_amount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: rechargeMonthlyCapAmountMax,
        description: `Most the recharges of one UTC calendar month may add up to, at least amount (default ${rechargeMonthlyCapRechargesDefault} × amount).`,
      }),
    ),
    max_declines: Type.Optional(
      Type.Integer({ minimum: 1, maximum: rechargeMaxDeclinesMax, description: `Failed recharges in a row that turn auto-recharge off (default ${rechargeMaxDeclinesDefault}).` }),
    ),
  },
  { additionalProperties: false, examples: [{ threshold_amount: 1000, amount: 5000 }] },
);
export type AutoRechargeBody = Static<typeof AutoRechargeBody>;

const nullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const AutoRechargeAttempt = Type.Object({
  id: Type.String({ description: 'arc_…' }),
  customer_id: Type.String(),
  currency: Type.String(),
  amount: Type.Integer({ minimum: 1 }),
  status: Type.Union([Type.Literal('processing'), Type.Literal('succeeded'), Type.Literal('failed')]),
  available_balance_before: Type.Integer({ description: 'The available balance the recharge started at, in minor units.' }),
  payment_id: Type.Union([Type.String(), Type.Null()], { description: 'The top-up payment (pay_…, kind top_up) once it started.' }),
  payment_method_id: Type.Union([Type.String(), Type.Null()], { description: 'The method named by the setting; null: the primary.' }),
  error_code: Type.Union([Type.String(), Type.Null()], { description: "Why it failed: the top-up payment's error_code." }),
  error_message: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type WireAttempt = Static<typeof AutoRechargeAttempt>;

export const AutoRechargeSettings = Type.Object({
  customer_id: Type.String(),
  currency: Type.String(),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.Literal('declines'), Type.Null()], { description: '"declines": max_declines failed recharges in a row turned it off; PUT turns it on again.' }),
  threshold_amount: Type.Integer(),
  amount: Type.Integer(),
  payment_method_id: Type.Union([Type.String(), Type.Null()]),
  cooldown_seconds: Type.Integer(),
  monthly_cap_amount: Type.Integer(),
  max_declines: Type.Integer(),
  declines: Type.Integer({ description: 'Failed recharges in a row (a success resets it).' }),
  backoff_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'No recharge starts before this after a failed one.' }),
  cooldown_until: nullableTime,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type WireSettings = Static<typeof AutoRechargeSettings>;

export const AutoRecharge = Type.Object({
  ...AutoRechargeSettings.properties,
  month_recharged_amount: Type.Integer({ description: 'What recharges started this UTC month add up to (processing and succeeded), in minor units.' }),
  in_flight_attempt_id: Type.Union([Type.String(), Type.Null()], { description: 'The recharge processing now, if any (at most one per wallet).' }),
  recent_attempts: Type.Array(AutoRechargeAttempt, { description: 'The latest recharges, newest first (at most 10).' }),
});
export type WireAutoRecharge = Static<typeof AutoRecharge>;
