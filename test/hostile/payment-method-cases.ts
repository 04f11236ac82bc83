// Hostile requests to a customer's payment methods: bad attach bodies, the wrong key, another business, odd ids. The
// suite's customer has pm_card_succeeds attached (and pm_http is not), so a case that detached or changed it would show.
import type { HostileCase } from './case.ts';

const url = (target: { customerId: string }) => `/customers/${target.customerId}/payment-methods`;

const attach = (name: string, body: unknown, mentions: string | RegExp): HostileCase => ({
  name: `attach: ${name}`,
  url,
  body,
  status: 422,
  code: 'INVALID_REQUEST_BODY',
  mentions,
});

export const paymentMethodCases: HostileCase[] = [
  attach('id with a slash', { payment_method_id: 'pm/../../x' }, 'body.payment_method_id'),
  attach('id with a NUL', { payment_method_id: 'pm\u0000' }, 'body.payment_method_id'),
  attach('id of 65 characters', { payment_method_id: 'p'.repeat(65) }, 'body.payment_method_id'),
  attach('id empty', { payment_method_id: '' }, 'body.payment_method_id'),
  attach('id is a number', { payment_method_id: 42 }, 'body.payment_method_id'),
  attach('unknown payment_method', { payment_method: 'cheque' }, 'body.payment_method'),
  attach('unknown payment_method_type', { payment_method_type: 'barter' }, 'body.payment_method_type'),
  attach('card is a string', { card: '4242424242424242' }, 'body.card'),
  attach('card with a full number', { card: { number: '4242424242424242' } }, 'unknown field "number"'),
  attach('last4 of three digits', { card: { last4_digits: '424' } }, 'body.card.last4_digits'),
  attach('expiry month 13', { card: { expiry_month: '13' } }, 'body.card.expiry_month'),
  attach('expiry year of letters', { card: { expiry_year: 'soon' } }, 'body.card.expiry_year'),
  attach('issuing country not ISO 3166', { card: { card_issuing_country: 'XX' } }, 'body.card.card_issuing_country'),
  attach('holder name with a control character', { card: { card_holder_name: 'A\u0007B' } }, 'body.card.card_holder_name'),
  attach('unknown processor', { processor: 'stripe' }, 'body.processor'),
  attach('primary as a string', { primary: 'true' }, 'body.primary'),
  attach('unknown field', { is_primary: true }, 'unknown field "is_primary"'),
  attach('customer_id in the body', { customer_id: 'cus_other' }, 'unknown field "customer_id"'),
  attach('body is an array', [{ payment_method_id: 'pm_card_succeeds' }], 'body must be object'),
  attach('idempotency_key of 256 characters', { idempotency_key: 'k'.repeat(256) }, 'body.idempotency_key'),
  { name: 'attach: http processor not configured', url, body: { payment_method_id: 'pm_http', processor: 'http' }, status: 422, code: 'PAYMENT_PROCESSOR_NOT_CONFIGURED', mentions: 'COFFER_PAYMENT_PROCESSOR_URL' },
  { name: 'attach with a read-only key', url, body: { payment_method_id: 'pm_card_succeeds' }, auth: 'read', status: 403, code: 'FORBIDDEN', mentions: /read/ },
  { name: 'attach without a key', url, body: { payment_method_id: 'pm_card_succeeds' }, auth: 'none', status: 401, code: 'UNAUTHORIZED', mentions: /key/i },
  { name: "attach to another business's customer", url, body: { payment_method_id: 'pm_card_succeeds' }, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: "list another business's customer's methods", method: 'GET', url, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: 'detach an unknown method', method: 'DELETE', url: (t) => `${url(t)}/pm_never_attached`, status: 404, code: 'PAYMENT_METHOD_NOT_FOUND', mentions: 'pm_never_attached' },
  { name: 'detach with a read-only key', method: 'DELETE', url: (t) => `${url(t)}/pm_card_succeeds`, auth: 'read', status: 403, code: 'FORBIDDEN', mentions: /read/ },
  { name: 'detach an id of 65 characters', method: 'DELETE', url: (t) => `${url(t)}/${'p'.repeat(65)}`, status: 422, code: 'INVALID_REQUEST_PARAMETERS', mentions: 'payment_method_id' },
  { name: 'detach an id with an encoded NUL', method: 'DELETE', url: (t) => `${url(t)}/pm%00x`, status: 422, code: 'INVALID_REQUEST_PARAMETERS', mentions: 'payment_method_id' },
  { name: "detach on another business's customer", method: 'DELETE', url: (t) => `${url(t)}/pm_card_succeeds`, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
];
