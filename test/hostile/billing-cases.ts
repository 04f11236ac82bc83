// Hostile requests to holds and invoices: bad bodies, the wrong key, another business, unknown ids. Each is refused
// with its code and writes nothing (the suite compares the whole store before and after).
import type { HostileCase } from './case.ts';

const holdsUrl = (target: { customerId: string }) => `/customers/${target.customerId}/wallets/holds`;
const hold = { currency: 'USD', amount: 100, idempotency_key: 'hostile-hold' };
const invoice = (target: { customerId: string }) => ({ customer_id: target.customerId, currency: 'USD', line_items: [{ description: 'x', amount: 1 }] });

const badHold = (name: string, body: unknown, mentions: string | RegExp): HostileCase => ({ name: `hold: ${name}`, url: holdsUrl, body, status: 422, code: 'INVALID_REQUEST_BODY', mentions });
const badInvoice = (name: string, body: unknown, mentions: string | RegExp): HostileCase => ({ name: `invoice: ${name}`, url: '/invoices', body, status: 422, code: 'INVALID_REQUEST_BODY', mentions });

export const billingCases: HostileCase[] = [
  badHold('amount 0', { ...hold, amount: 0 }, 'body.amount'),
  badHold('amount negative', { ...hold, amount: -5 }, 'body.amount'),
  badHold('amount a float', { ...hold, amount: 1.5 }, 'body.amount'),
  badHold('amount a string', { ...hold, amount: '100' }, 'body.amount'),
  badHold('amount past the limit', { ...hold, amount: 2 ** 53 }, 'body.amount'),
  badHold('no idempotency_key', { currency: 'USD', amount: 100 }, 'idempotency_key'),
  badHold('currency in lower case', { ...hold, currency: 'usd' }, 'body.currency'),
  badHold('expires_at not a date-time', { ...hold, expires_at: 'tomorrow' }, 'body.expires_at'),
  badHold('unknown field', { ...hold, entry_type: 'debit' }, 'unknown field "entry_type"'),
  { name: 'hold: expires_at in the past', url: holdsUrl, body: { ...hold, expires_at: '2000-01-01T00:00:00Z' }, status: 400, code: 'INVALID_EXPIRES_AT', mentions: 'future' },
  { name: 'hold: unsupported currency', url: holdsUrl, body: { ...hold, currency: 'XXX' }, status: 422, code: 'UNSUPPORTED_CURRENCY', mentions: 'XXX' },
  { name: 'hold: with a read-only key', url: holdsUrl, body: hold, auth: 'read', status: 403, code: 'FORBIDDEN', mentions: /read/ },
  { name: 'hold: without a key', url: holdsUrl, body: hold, auth: 'none', status: 401, code: 'UNAUTHORIZED', mentions: /key/i },
  { name: "hold: on another business's customer", url: holdsUrl, body: hold, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: 'capture: unknown hold', url: '/holds/hold_missing/capture', body: {}, status: 404, code: 'HOLD_NOT_FOUND', mentions: 'hold_missing' },
  { name: 'capture: amount 0', url: '/holds/hold_missing/capture', body: { amount: 0 }, status: 422, code: 'INVALID_REQUEST_BODY', mentions: 'body.amount' },
  { name: 'release: a body with fields', url: '/holds/hold_missing/release', body: { amount: 1 }, status: 422, code: 'INVALID_REQUEST_BODY', mentions: 'unknown field "amount"' },
  { name: 'hold id with a NUL', url: '/holds/hold%00x', status: 422, code: 'INVALID_REQUEST_PARAMETERS', mentions: 'hold_id' },
  badInvoice('no line items', { customer_id: 'cus_x', currency: 'USD', line_items: [] }, 'body.line_items'),
  badInvoice('a line item of 0', { customer_id: 'cus_x', currency: 'USD', line_items: [{ description: 'x', amount: 0 }] }, 'amount'),
  badInvoice('unknown wallet mode', { customer_id: 'cus_x', currency: 'USD', line_items: [{ description: 'x', amount: 1 }], wallet: { mode: 'sometimes' } }, 'body.wallet.mode'),
  badInvoice('metadata value a number', { customer_id: 'cus_x', currency: 'USD', line_items: [{ description: 'x', amount: 1 }], metadata: { n: 1 } }, 'body.metadata'),
  badInvoice('unknown field', { customer_id: 'cus_x', currency: 'USD', line_items: [{ description: 'x', amount: 1 }], total_amount: 1 }, 'unknown field "total_amount"'),
  { name: 'invoice: line items past the largest amount', url: '/invoices', body: { customer_id: 'cus_x', currency: 'USD', line_items: [{ description: 'a', amount: 1e15 }, { description: 'b', amount: 1e15 }] }, status: 400, code: 'INVALID_INVOICE', mentions: 'add up' },
  { name: "invoice: for another business's customer", url: '/invoices', body: invoice({ customerId: 'cus_missing' }), status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: 'invoice: with a read-only key', url: '/invoices', body: invoice({ customerId: 'cus_x' }), auth: 'read', status: 403, code: 'FORBIDDEN', mentions: /read/ },
  { name: 'pay: unknown invoice', url: '/invoices/inv_missing/pay', body: {}, status: 404, code: 'INVOICE_NOT_FOUND', mentions: 'inv_missing' },
  { name: 'pay: payment_method_id a number', url: '/invoices/inv_missing/pay', body: { payment_method_id: 7 }, status: 422, code: 'INVALID_REQUEST_BODY', mentions: 'body.payment_method_id' },
  { name: 'void: unknown invoice', url: '/invoices/inv_missing/void', body: {}, status: 404, code: 'INVOICE_NOT_FOUND', mentions: 'inv_missing' },
  { name: 'payment: unknown', url: '/payments/pay_missing', status: 404, code: 'PAYMENT_NOT_FOUND', mentions: 'pay_missing' },
  { name: 'payment PDF: unknown', url: '/invoices/payments/pay_missing', status: 404, code: 'PAYMENT_NOT_FOUND', mentions: 'pay_missing' },
  { name: 'payments: page_size 0', url: '/payments?page_size=0', status: 422, code: 'INVALID_REQUEST_PARAMETERS', mentions: 'page_size' },
];
