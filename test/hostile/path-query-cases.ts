// Hostile customer ids in paths and hostile query strings on the list endpoints.
import { type HostileCase, entryBody, ledgerEntriesUrl } from './case.ts';

const walletsOf = (rawId: string) => `/customers/${rawId}/wallets`;

const notFound = (name: string, rawId: string, mentions: string): HostileCase => ({
  name,
  url: walletsOf(rawId),
  status: 404,
  code: 'CUSTOMER_NOT_FOUND',
  mentions,
});

const badParam = (name: string, url: string, mentions: string | RegExp, method: HostileCase['method'] = 'GET'): HostileCase => ({
  name,
  method,
  url,
  ...(method === 'POST' ? { body: entryBody() } : {}),
  status: 422,
  code: 'INVALID_REQUEST_PARAMETERS',
  mentions,
});

export const pathCases: HostileCase[] = [
  notFound('an unknown customer id', 'cus_doesNotExist000000000', 'cus_doesNotExist000000000'),
  notFound('a unicode id', '%E2%9C%93', '✓'),
  notFound('an emoji id', '%F0%9F%98%80', '😀'),
  notFound('a SQL-looking id', "'%20OR%20'1'='1", "' OR '1'='1"),
  notFound('a SQL statement as id', '1%3B%20DROP%20TABLE%20customers', 'DROP TABLE customers'),
  notFound('an encoded slash and dot-dot', '..%2F..%2Fbusinesses', '../../businesses'),
  notFound('an encoded percent sign', '%25', '%'),
  notFound('a LIKE wildcard', '%25_%25', '%_%'),
  notFound('an asterisk', '*', '*'),
  notFound('an id with a quote and backslash', "a'b%5Cc", "a'b\\c"),
  { name: 'dot-dot segments resolve to a route that does not exist', url: walletsOf('%2e%2e'), status: 404, code: 'NOT_FOUND', mentions: 'not found' },
  badParam('a 65-character id', walletsOf('c'.repeat(65)), 'params.customer_id must NOT have more than 64 characters'),
  badParam('a 1000-character id', walletsOf('c'.repeat(1000)), 'customer_id'),
  badParam('a 1000-character id on a write', `/customers/${'c'.repeat(1000)}/wallets/ledger-entries`, 'customer_id', 'POST'),
  badParam('an id holding NUL', walletsOf('a%00b'), 'params.customer_id has an invalid format or characters'),
  badParam('an id holding NUL on a write', '/customers/a%00b/wallets/ledger-entries', 'params.customer_id', 'POST'),
  // Tab, newline and carriage return pass the id pattern (the same printable-text rule as reasons): simply unknown.
  { name: 'an id holding a newline', url: '/customers/a%0Ab', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  badParam('an id holding ESC', walletsOf('%1B%5B2J'), 'params.customer_id'),
  badParam('bad percent-encoding', walletsOf('%ZZ'), /percent-encoding/),
  badParam('an encoded lone surrogate', walletsOf('%ED%A0%80'), /percent-encoding/),
  {
    name: 'an id holding NUL on an update',
    method: 'PATCH',
    url: '/customers/a%00b',
    body: { name: 'x' },
    status: 422,
    code: 'INVALID_REQUEST_PARAMETERS',
    mentions: 'params.customer_id',
  },
];

const query = (name: string, search: string, mentions: string | RegExp, code: HostileCase['code'] = 'INVALID_REQUEST_PARAMETERS'): HostileCase => ({
  name,
  url: (t) => `${ledgerEntriesUrl(t)}?${search}`,
  status: 422,
  code,
  mentions,
});

const customerQuery = (name: string, search: string, mentions: string | RegExp): HostileCase => ({
  name,
  url: `/customers?${search}`,
  status: 422,
  code: 'INVALID_REQUEST_PARAMETERS',
  mentions,
});

const lotsQuery = (name: string, search: string, mentions: string | RegExp, code: HostileCase['code'] = 'INVALID_REQUEST_PARAMETERS'): HostileCase => ({
  name,
  url: (t) => `/customers/${t.customerId}/wallets/lots?${search}`,
  status: 422,
  code,
  mentions,
});

/** The lots listing and an entry's lot draws (Coffer extensions). */
export const lotRouteCases: HostileCase[] = [
  lotsQuery('lots status unknown', 'status=gone', 'querystring.status'),
  lotsQuery('lots status in upper case', 'status=ACTIVE', 'querystring.status'),
  lotsQuery('lots page_size=101', 'page_size=101', 'querystring.page_size must be <= 100'),
  lotsQuery('lots page_number=-1', 'page_number=-1', 'querystring.page_number must be >= 0'),
  lotsQuery('lots currency in lower case', 'currency=usd', 'querystring.currency'),
  lotsQuery('lots unknown query field', 'expires_at=1', 'unknown field "expires_at"'),
  lotsQuery('lots SQL in status', "status=active'%20OR%201%3D1", 'querystring.status'),
  { name: 'lots of an unknown customer', url: '/customers/cus_doesNotExist000000000/wallets/lots', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  { name: "lots of another business's customer", url: (t) => `/customers/${t.customerId}/wallets/lots`, auth: 'other', status: 404, code: 'CUSTOMER_NOT_FOUND', mentions: 'not found' },
  {
    name: 'lot draws of an unknown entry',
    url: (t) => `${ledgerEntriesUrl(t)}/cwt_doesNotExist000000000/lot-draws`,
    status: 404,
    code: 'LEDGER_ENTRY_NOT_FOUND',
    mentions: 'cwt_doesNotExist000000000',
  },
  {
    name: 'lot draws of a SQL-looking entry id',
    url: (t) => `${ledgerEntriesUrl(t)}/'%20OR%20'1'='1/lot-draws`,
    status: 404,
    code: 'LEDGER_ENTRY_NOT_FOUND',
    mentions: "' OR '1'='1",
  },
  badParam('lot draws of a 65-character entry id', `/customers/cus_x/wallets/ledger-entries/${'c'.repeat(65)}/lot-draws`, 'params.entry_id'),
  badParam('lot draws of an entry id holding NUL', '/customers/cus_x/wallets/ledger-entries/a%00b/lot-draws', 'params.entry_id'),
];

export const queryCases: HostileCase[] = [
  query('page_size=0', 'page_size=0', 'querystring.page_size must be >= 1'),
  query('page_size=101', 'page_size=101', 'querystring.page_size must be <= 100'),
  query('page_size=-1', 'page_size=-1', 'querystring.page_size must be >= 1'),
  query('page_size=abc', 'page_size=abc', 'querystring.page_size must be integer'),
  query('page_size=1.5', 'page_size=1.5', 'querystring.page_size must be integer'),
  query('page_size empty', 'page_size=', 'querystring.page_size'),
  query('page_size=NUL', 'page_size=%00', 'querystring.page_size'),
  query('page_size past the safe range', 'page_size=9007199254740993', 'querystring.page_size'),
  query('page_number=-1', 'page_number=-1', 'querystring.page_number must be >= 0'),
  query('page_number huge', 'page_number=99999999999999999999', 'querystring.page_number must be <='),
  query('page_number=abc', 'page_number=abc', 'querystring.page_number must be integer'),
  query('unknown query field', 'foo=1', 'querystring has unknown field "foo"'),
  query('SQL in an unknown query field', 'order_by=amount%3B%20DROP%20TABLE%20x', 'unknown field "order_by"'),
  query('duplicated page_size', 'page_size=1&page_size=2', 'querystring.page_size'),
  query('duplicated currency', 'currency=USD&currency=INR', 'querystring.currency'),
  query('currency in lower case', 'currency=usd', 'querystring.currency'),
  query('currency empty', 'currency=', 'querystring.currency'),
  query('currency with SQL', "currency=USD'%20OR%201%3D1", 'querystring.currency'),
  query('currency not a wallet currency', 'currency=EUR', 'EUR', 'UNSUPPORTED_CURRENCY'),
  customerQuery('customers page_size=0', 'page_size=0', 'querystring.page_size'),
  customerQuery('customers page_size=101', 'page_size=101', 'querystring.page_size'),
  customerQuery('customers page_number=-5', 'page_number=-5', 'querystring.page_number'),
  customerQuery('customers unknown field', 'bogus=1', 'unknown field "bogus"'),
  customerQuery('customers created_at_gte not a date', 'created_at_gte=yesterday', 'querystring.created_at_gte'),
  customerQuery('customers email holding NUL', 'email=a%00b%40c.d', 'querystring.email'),
  customerQuery('customers name holding NUL', 'name=%00', 'querystring.name'),
  customerQuery('customers email of 300 characters', `email=${'e'.repeat(300)}`, 'querystring.email'),
];
