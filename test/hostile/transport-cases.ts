// Hostile framing: malformed JSON, wrong content types, oversized bodies, wrong methods, bad authentication.
import { type HostileCase, entryBody, ledgerEntriesUrl } from './case.ts';

const validJson = JSON.stringify(entryBody());

const malformed = (name: string, payload: string | Buffer, mentions: string | RegExp = 'not valid JSON'): HostileCase => ({
  name,
  payload,
  status: 400,
  code: 'INVALID_JSON',
  mentions,
});

const mediaType = (name: string, contentType: string | null, payload: string = validJson): HostileCase => ({
  name,
  payload,
  contentType,
  status: 415,
  code: 'UNSUPPORTED_MEDIA_TYPE',
  mentions: 'Content-Type must be application/json',
});

export const jsonCases: HostileCase[] = [
  malformed('truncated JSON', '{"amount":'),
  malformed('trailing comma (the message gives the position)', '{"amount":100,"currency":"USD","entry_type":"credit",}', 'position 53'),
  malformed('single-quoted JSON', "{'amount':100,'currency':'USD','entry_type':'credit'}"),
  malformed('unquoted keys', '{amount:100,currency:"USD",entry_type:"credit"}'),
  malformed('JSON with a comment', '{"amount":100 /* cents */,"currency":"USD","entry_type":"credit"}'),
  malformed('two JSON documents', `${validJson}${validJson}`),
  malformed('garbage after the document', `${validJson} trailing`),
  malformed('an unterminated string', '{"amount":100,"currency":"USD'),
  malformed('a raw newline inside a string', '{"amount":100,"currency":"USD","entry_type":"credit","reason":"a\nb"}'),
  malformed('invalid escape in a string', '{"amount":100,"currency":"USD","entry_type":"credit","reason":"\\x41"}'),
  malformed('binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x22])),
  malformed('whitespace only', '   \n\t '),
  { name: 'empty body with a JSON content type', payload: '', status: 400, code: 'INVALID_JSON', mentions: 'empty' },
];

export const mediaTypeCases: HostileCase[] = [
  mediaType('text/plain', 'text/plain'),
  mediaType('no content type', null),
  mediaType('form encoded', 'application/x-www-form-urlencoded', 'amount=100&currency=USD&entry_type=credit'),
  mediaType('multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="amount"\r\n\r\n100\r\n--x--'),
  mediaType('XML', 'application/xml', '<entry><amount>100</amount></entry>'),
  mediaType('application/jsonp', 'application/jsonp'),
  mediaType('text/json', 'text/json'),
  mediaType('octet-stream', 'application/octet-stream'),
];

export const sizeCases: HostileCase[] = [
  {
    name: 'body over the 64 KiB limit (a 70,000-character reason)',
    body: entryBody({ reason: 'r'.repeat(70_000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    mentions: 'larger than 65536 bytes',
  },
  { name: 'one megabyte of garbage', payload: 'x'.repeat(1_000_000), status: 413, code: 'PAYLOAD_TOO_LARGE', mentions: 'larger than' },
  {
    name: 'oversized body without authentication is refused before it is read',
    payload: 'x'.repeat(1_000_000),
    auth: 'none',
    status: 401,
    code: 'UNAUTHORIZED',
    mentions: 'Missing API key',
  },
];

export const methodCases: HostileCase[] = [
  { name: 'DELETE a customer (no such route)', method: 'DELETE', url: (t) => `/customers/${t.customerId}`, status: 404, code: 'NOT_FOUND', mentions: 'DELETE' },
  { name: 'PUT ledger entries', method: 'PUT', body: entryBody(), status: 404, code: 'NOT_FOUND', mentions: 'PUT' },
  { name: 'POST to the wallets list', url: (t) => `/customers/${t.customerId}/wallets`, body: entryBody(), status: 404, code: 'NOT_FOUND', mentions: 'POST' },
  { name: 'DELETE ledger entries', method: 'DELETE', status: 404, code: 'NOT_FOUND', mentions: 'DELETE' },
];

const header = (value: string) => ({ header: value });

export const authCases: HostileCase[] = [
  { name: 'no Authorization header', body: entryBody(), auth: 'none', status: 401, code: 'UNAUTHORIZED', mentions: 'Missing API key' },
  { name: 'empty Authorization header', body: entryBody(), auth: header(''), status: 401, code: 'UNAUTHORIZED', mentions: 'Missing API key' },
  { name: '"Bearer" without a key', body: entryBody(), auth: header('Bearer'), status: 401, code: 'UNAUTHORIZED', mentions: 'Malformed Authorization' },
  { name: 'Basic credentials', body: entryBody(), auth: header('Basic dXNlcjpwYXNz'), status: 401, code: 'UNAUTHORIZED', mentions: 'Malformed Authorization' },
  { name: 'Token scheme', body: entryBody(), auth: header('Token ck_rw_abcdefghijklmnop'), status: 401, code: 'UNAUTHORIZED', mentions: 'Malformed Authorization' },
  { name: 'two spaces after Bearer', body: entryBody(), auth: header('Bearer  ck_rw_abcdefghijklmnop'), status: 401, code: 'UNAUTHORIZED', mentions: 'Malformed Authorization' },
  { name: 'key followed by junk', body: entryBody(), auth: header('Bearer ck_rw_abcdefghijklmnop junk'), status: 401, code: 'UNAUTHORIZED', mentions: 'Malformed Authorization' },
  { name: 'a 300-character key', body: entryBody(), auth: header(`Bearer ${'k'.repeat(300)}`), status: 401, code: 'UNAUTHORIZED', mentions: 'Malformed Authorization' },
  { name: 'an unknown key', body: entryBody(), auth: header('Bearer ck_rw_thisKeyWasNeverIssued1'), status: 401, code: 'UNAUTHORIZED', mentions: 'Invalid or revoked API key' },
  { name: 'a SQL-looking key', body: entryBody(), auth: header("Bearer 'OR'1'='1"), status: 401, code: 'UNAUTHORIZED', mentions: 'Invalid or revoked API key' },
  { name: 'no key and malformed JSON: authentication comes first', payload: '{"amount":', auth: 'none', status: 401, code: 'UNAUTHORIZED', mentions: 'Missing API key' },
  { name: 'no key on the customer list', url: '/customers', auth: 'none', status: 401, code: 'UNAUTHORIZED', mentions: 'Missing API key' },
  { name: 'read-only key posts an entry', body: entryBody(), auth: 'read', status: 403, code: 'FORBIDDEN', mentions: 'read-only' },
  { name: 'read-only key creates a customer', url: '/customers', body: { email: 'ro@example.com', name: 'RO' }, auth: 'read', status: 403, code: 'FORBIDDEN', mentions: 'read-only' },
  {
    name: 'read-only key updates a customer',
    method: 'PATCH',
    url: (t) => `/customers/${t.customerId}`,
    body: { name: 'Renamed' },
    auth: 'read',
    status: 403,
    code: 'FORBIDDEN',
    mentions: 'read-only',
  },
  { name: "another business posts to our customer", body: entryBody(), auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: "another business reads our customer's wallets", url: (t) => `/customers/${t.customerId}/wallets`, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: "another business lists our customer's entries", url: ledgerEntriesUrl, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: 'another business retrieves our customer', url: (t) => `/customers/${t.customerId}`, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  {
    name: 'another business updates our customer',
    method: 'PATCH',
    url: (t) => `/customers/${t.customerId}`,
    body: { name: 'Hijacked' },
    auth: 'other',
    status: 404,
    code: 'CUSTOMER_NOT_FOUND',
    mentions: 'not found',
  },
];

export const transportCases: HostileCase[] = [...jsonCases, ...mediaTypeCases, ...sizeCases, ...methodCases, ...authCases];
