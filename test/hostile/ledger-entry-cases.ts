// Hostile bodies for POST /customers/{id}/wallets/ledger-entries: every field wrong in every way we could think of.
import { type HostileCase, entryBody } from './case.ts';

const invalid = (name: string, overrides: Record<string, unknown>, mentions: string | RegExp): HostileCase => ({
  name,
  body: entryBody(overrides),
  status: 422,
  code: 'INVALID_REQUEST_BODY',
  mentions,
});

const raw = (name: string, payload: string, status: number, code: HostileCase['code'], mentions: string | RegExp): HostileCase => ({
  name,
  payload,
  status,
  code,
  mentions,
});

export const amountCases: HostileCase[] = [
  invalid('amount is a float', { amount: 1.5 }, 'body.amount must be integer'),
  invalid('amount is a tiny float', { amount: 0.1 }, 'body.amount must be integer'),
  invalid('amount is zero', { amount: 0 }, 'body.amount must be >= 1'),
  invalid('amount is negative', { amount: -1 }, 'body.amount must be >= 1'),
  invalid('amount is a large negative', { amount: -100_000 }, 'body.amount'),
  invalid('amount is 2^53, past the safe range', { amount: 2 ** 53 }, 'body.amount must be <= 1000000000000000'),
  invalid('amount is one past the largest entry', { amount: 1e15 + 1 }, 'body.amount must be <='),
  invalid('amount is Number.MAX_VALUE', { amount: Number.MAX_VALUE }, 'body.amount'),
  raw('amount is 1e400 (Infinity once parsed)', '{"amount":1e400,"currency":"USD","entry_type":"credit"}', 422, 'INVALID_REQUEST_BODY', 'body.amount'),
  raw('amount is a 30-digit integer', '{"amount":123456789012345678901234567890,"currency":"USD","entry_type":"credit"}', 422, 'INVALID_REQUEST_BODY', 'body.amount'),
  raw('amount is -0', '{"amount":-0,"currency":"USD","entry_type":"credit"}', 422, 'INVALID_REQUEST_BODY', 'body.amount must be >= 1'),
  invalid('amount is a numeric string', { amount: '100' }, 'body.amount must be integer'),
  invalid('amount is an exponent string', { amount: '1e3' }, 'body.amount must be integer'),
  invalid('amount is a hex string', { amount: '0x10' }, 'body.amount must be integer'),
  invalid('amount is an empty string', { amount: '' }, 'body.amount must be integer'),
  invalid('amount is null', { amount: null }, 'body.amount must be integer'),
  invalid('amount is true', { amount: true }, 'body.amount must be integer'),
  invalid('amount is an array', { amount: [100] }, 'body.amount must be integer'),
  invalid('amount is an object', { amount: { value: 100 } }, 'body.amount must be integer'),
  raw('amount is NaN', '{"amount":NaN,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', 'not valid JSON'),
  raw('amount is Infinity', '{"amount":Infinity,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', 'not valid JSON'),
  raw('amount has a leading plus', '{"amount":+5,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', 'not valid JSON'),
  raw('amount has a leading zero', '{"amount":0100,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', 'not valid JSON'),
  invalid('amount is missing', { amount: undefined }, 'body.amount is required'),
];

export const currencyCases: HostileCase[] = [
  invalid('currency in lower case', { currency: 'usd' }, 'body.currency'),
  invalid('currency in mixed case', { currency: 'Usd' }, 'body.currency'),
  invalid('currency with two letters', { currency: 'US' }, 'body.currency'),
  invalid('currency with four letters', { currency: 'USDD' }, 'body.currency'),
  invalid('currency with a leading space', { currency: ' USD' }, 'body.currency'),
  invalid('currency in full-width letters', { currency: 'ＵＳＤ' }, 'body.currency'),
  invalid('currency is empty', { currency: '' }, 'body.currency'),
  invalid('currency is a number', { currency: 840 }, 'body.currency must be string'),
  invalid('currency is null', { currency: null }, 'body.currency must be string'),
  invalid('currency is missing', { currency: undefined }, 'body.currency is required'),
  { name: 'currency is valid ISO but not a wallet currency (EUR)', body: entryBody({ currency: 'EUR' }), status: 422, code: 'UNSUPPORTED_CURRENCY', mentions: 'EUR' },
  { name: 'currency is an unknown code (XXX)', body: entryBody({ currency: 'XXX' }), status: 422, code: 'UNSUPPORTED_CURRENCY', mentions: 'XXX' },
];

export const entryTypeCases: HostileCase[] = [
  invalid('entry_type in upper case', { entry_type: 'CREDIT' }, 'body.entry_type'),
  invalid('entry_type is an event type', { entry_type: 'refund' }, 'body.entry_type'),
  invalid('entry_type is empty', { entry_type: '' }, 'body.entry_type'),
  invalid('entry_type is null', { entry_type: null }, 'body.entry_type'),
  invalid('entry_type is a number', { entry_type: 1 }, 'body.entry_type'),
  invalid('entry_type is an array', { entry_type: ['credit'] }, 'body.entry_type'),
  invalid('entry_type is missing', { entry_type: undefined }, 'body.entry_type is required'),
];

export const keyAndReasonCases: HostileCase[] = [
  invalid('idempotency_key is empty', { idempotency_key: '' }, 'body.idempotency_key must NOT have fewer than 1 characters'),
  invalid('idempotency_key has 256 characters', { idempotency_key: 'k'.repeat(256) }, 'body.idempotency_key must NOT have more than 255 characters'),
  invalid('idempotency_key has 10,000 characters', { idempotency_key: 'k'.repeat(10_000) }, 'body.idempotency_key'),
  invalid('idempotency_key is a number', { idempotency_key: 123 }, 'body.idempotency_key'),
  invalid('idempotency_key is an object', { idempotency_key: {} }, 'body.idempotency_key'),
  invalid('idempotency_key is true', { idempotency_key: true }, 'body.idempotency_key'),
  invalid('idempotency_key holds NUL', { idempotency_key: 'key\u0000x' }, 'body.idempotency_key has an invalid format or characters'),
  invalid('idempotency_key holds BEL', { idempotency_key: 'key\u0007' }, 'body.idempotency_key has an invalid format or characters'),
  invalid('idempotency_key holds ESC', { idempotency_key: '\u001b[31mkey' }, 'body.idempotency_key has an invalid format or characters'),
  invalid('idempotency_key holds DEL', { idempotency_key: 'key\u007f' }, 'body.idempotency_key has an invalid format or characters'),
  invalid('reason has 3001 characters', { reason: 'r'.repeat(3001) }, 'body.reason must NOT have more than 3000 characters'),
  invalid('reason has 20,000 characters', { reason: 'r'.repeat(20_000) }, 'body.reason must NOT have more than 3000 characters'),
  invalid('reason is a number', { reason: 123 }, 'body.reason'),
  invalid('reason is an object', { reason: { text: 'x' } }, 'body.reason'),
  invalid('reason is an array', { reason: ['x'] }, 'body.reason'),
  invalid('reason holds NUL', { reason: 'refund\u0000' }, 'body.reason has an invalid format or characters'),
  invalid('reason holds backspace', { reason: 'refund\u0008' }, 'body.reason has an invalid format or characters'),
  invalid('reason holds unit separator', { reason: 'a\u001fb' }, 'body.reason has an invalid format or characters'),
  invalid('reason holds DEL', { reason: 'a\u007fb' }, 'body.reason has an invalid format or characters'),
  invalid('reason holds vertical tab', { reason: 'a\u000bb' }, 'body.reason has an invalid format or characters'),
];

export const shapeCases: HostileCase[] = [
  invalid('unknown field', { foo: 1 }, 'body has unknown field "foo"'),
  invalid('customer_id in the body', { customer_id: 'cus_other' }, 'unknown field "customer_id"'),
  invalid('balance in the body', { balance: 1_000_000 }, 'unknown field "balance"'),
  invalid('event_type in the body', { event_type: 'refund' }, 'unknown field "event_type"'),
  invalid('before_balance in the body', { before_balance: 0 }, 'unknown field "before_balance"'),
  raw('__proto__ key', '{"__proto__":{"admin":true},"amount":100,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', '__proto__'),
  raw('constructor.prototype key', '{"constructor":{"prototype":{"admin":true}},"amount":100,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', 'constructor'),
  raw('__proto__ key spelled with a \\u escape', '{"\\u005f_proto__":{"admin":true},"amount":100,"currency":"USD","entry_type":"credit"}', 400, 'INVALID_JSON', '"__proto__"'),
  raw('constructor.prototype nested deep', '{"amount":100,"currency":"USD","entry_type":"credit","reason":null,"x":[{"constructor":{"prototype":{}}}]}', 400, 'INVALID_JSON', 'constructor.prototype'),
  raw('body is an array', '[{"amount":100,"currency":"USD","entry_type":"credit"}]', 422, 'INVALID_REQUEST_BODY', 'body must be object'),
  raw('body is JSON null', 'null', 422, 'INVALID_REQUEST_BODY', 'body must be object'),
  raw('body is a JSON string', '"credit 100 USD"', 422, 'INVALID_REQUEST_BODY', 'body must be object'),
  raw('body is a JSON number', '42', 422, 'INVALID_REQUEST_BODY', 'body must be object'),
  raw('body is JSON true', 'true', 422, 'INVALID_REQUEST_BODY', 'body must be object'),
  raw('body is an empty object', '{}', 422, 'INVALID_REQUEST_BODY', 'body.amount is required'),
  raw(
    'deeply nested unknown field',
    `{"amount":100,"currency":"USD","entry_type":"credit","deep":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    422,
    'INVALID_REQUEST_BODY',
    'unknown field "deep"',
  ),
];

/** A credit's lot fields (docs/expiry.md): malformed values are 422; past, present, beyond-horizon or on a debit are 400. */
const refused = (name: string, overrides: Record<string, unknown>, code: HostileCase['code'], mentions: string | RegExp): HostileCase => ({
  name,
  body: entryBody(overrides),
  status: 400,
  code,
  mentions,
});

export const lotCases: HostileCase[] = [
  invalid('expires_at is not a date', { expires_at: 'next month' }, 'body.expires_at'),
  invalid('expires_at is a number', { expires_at: 1767225600000 }, 'body.expires_at'),
  invalid('expires_at is a date without a time', { expires_at: '2027-01-01' }, 'body.expires_at'),
  invalid('expires_at is 41 characters', { expires_at: `2027-01-01T00:00:00.${'0'.repeat(20)}Z` }, 'body.expires_at'),
  invalid('expires_at holds SQL', { expires_at: "2027-01-01T00:00:00Z' OR '1'='1" }, 'body.expires_at'),
  invalid('category is unknown', { category: 'gift' }, 'body.category'),
  invalid('category in upper case', { category: 'PROMOTIONAL' }, 'body.category'),
  invalid('category is null', { category: null }, 'body.category'),
  refused('expires_at in the past', { expires_at: '2020-01-01T00:00:00.000Z' }, 'INVALID_EXPIRES_AT', 'in the future'),
  refused('expires_at beyond the horizon', { expires_at: '9999-12-31T23:59:59.999Z' }, 'INVALID_EXPIRES_AT', '1826 days'),
  refused('expires_at on a debit', { entry_type: 'debit', expires_at: '2099-01-01T00:00:00.000Z' }, 'LOT_FIELDS_ON_DEBIT', 'credits only'),
  refused('category on a debit', { entry_type: 'debit', category: 'promotional' }, 'LOT_FIELDS_ON_DEBIT', 'credits only'),
];

export const ledgerEntryCases: HostileCase[] = [...amountCases, ...currencyCases, ...entryTypeCases, ...keyAndReasonCases, ...shapeCases, ...lotCases];
