// Hostile bodies for POST /customers and PATCH /customers/{id}: bad emails, names, phone numbers and metadata.
import type { HostileCase } from './case.ts';

const valid = { email: 'hostile@example.com', name: 'Hostile' };

const create = (name: string, body: unknown, mentions: string | RegExp): HostileCase => ({
  name: `create: ${name}`,
  url: '/customers',
  body,
  status: 422,
  code: 'INVALID_REQUEST_BODY',
  mentions,
});

const update = (name: string, body: unknown, mentions: string | RegExp): HostileCase => ({
  name: `update: ${name}`,
  method: 'PATCH',
  url: (t) => `/customers/${t.customerId}`,
  body,
  status: 422,
  code: 'INVALID_REQUEST_BODY',
  mentions,
});

const manyKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));

export const customerCases: HostileCase[] = [
  create('email without @', { ...valid, email: 'nope' }, 'body.email'),
  create('email empty', { ...valid, email: '' }, 'body.email'),
  create('email without domain', { ...valid, email: 'a@' }, 'body.email'),
  create('email without local part', { ...valid, email: '@example.com' }, 'body.email'),
  create('email with a space', { ...valid, email: 'a b@example.com' }, 'body.email'),
  create('email holding NUL', { ...valid, email: 'a\u0000@example.com' }, 'body.email'),
  create('email holding a control character', { ...valid, email: 'a\u0001b@example.com' }, 'body.email'),
  create('email of 300 characters', { ...valid, email: `${'e'.repeat(290)}@example.com` }, 'body.email'),
  create('email is a number', { ...valid, email: 42 }, 'body.email must be string'),
  create('name missing', { email: valid.email }, 'body.name is required'),
  create('email missing', { name: valid.name }, 'body.email is required'),
  create('name empty', { ...valid, name: '' }, 'body.name'),
  create('name of 256 characters', { ...valid, name: 'n'.repeat(256) }, 'body.name'),
  create('name holding a control character', { ...valid, name: 'A\u0001B' }, 'body.name'),
  create('name is null', { ...valid, name: null }, 'body.name'),
  create('metadata with 51 keys', { ...valid, metadata: manyKeys }, 'body.metadata must NOT have more than 50'),
  create('metadata key of 41 characters', { ...valid, metadata: { ['k'.repeat(41)]: 'v' } }, 'body.metadata'),
  create('metadata key empty', { ...valid, metadata: { '': 'v' } }, 'body.metadata'),
  create('metadata value of 501 characters', { ...valid, metadata: { k: 'v'.repeat(501) } }, 'body.metadata.k'),
  create('metadata value is an object', { ...valid, metadata: { k: { nested: true } } }, 'body.metadata.k'),
  create('metadata value is an array', { ...valid, metadata: { k: [1, 2] } }, 'body.metadata.k'),
  create('metadata value is null', { ...valid, metadata: { k: null } }, 'body.metadata.k'),
  create('metadata is a string', { ...valid, metadata: 'k=v' }, 'body.metadata must be object'),
  create('metadata is an array', { ...valid, metadata: ['k'] }, 'body.metadata must be object'),
  create('phone_number of letters', { ...valid, phone_number: 'call me' }, 'body.phone_number'),
  create('phone_number of 40 digits', { ...valid, phone_number: '1'.repeat(40) }, 'body.phone_number'),
  create('unknown field', { ...valid, balance: 1_000_000 }, 'body has unknown field "balance"'),
  create('customer_id in the body', { ...valid, customer_id: 'cus_chosen' }, 'unknown field "customer_id"'),
  create('business_id in the body', { ...valid, business_id: 'bus_other' }, 'unknown field "business_id"'),
  create('body is an array', [valid], 'body must be object'),
  update('email without @', { email: 'nope' }, 'body.email'),
  update('unknown field', { wallet: { balance: 1 } }, 'unknown field "wallet"'),
  update('metadata with 51 keys', { metadata: manyKeys }, 'body.metadata'),
  update('name of 256 characters', { name: 'n'.repeat(256) }, 'body.name'),
];
