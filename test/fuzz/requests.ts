// Builds one seeded request for an operation: a valid request from its schema, then zero or more mutations of its
// body (as a value and as raw JSON text), query string, path, method, content type and credentials.
import { Webhook } from 'standardwebhooks';
import type { Random } from '../../src/shared/random.ts';
import type { JsonSchema, Operation } from './operations.ts';
import { RawJson, numberSpellings, oddDateTimes, randomWord, unusualStrings, validValue, wrongTypes } from './values.ts';

export interface FuzzWorld {
  /** COFFER_PAYMENT_PROCESSOR_SECRET of the app: requests to the processor's callback are signed with it. */
  processorSecret?: string;
  own: { businessId: string; apiKey: string; readOnlyKey: string; customerIds: string[]; webhookIds: string[]; paymentMethodIds: string[]; billingIds: BillingIds };
  other: { businessId: string; apiKey: string; customerIds: string[]; webhookIds: string[]; paymentMethodIds: string[]; billingIds: BillingIds };
}

/**
 * The ids of one business a path parameter takes: its webhook endpoints for `webhook_id`, the payment methods every one
 * of its customers has for `payment_method_id`, else its customers.
 */
const idsFor = (business: FuzzWorld['own'] | FuzzWorld['other'], parameter: string) =>
  parameter === 'webhook_id'
    ? business.webhookIds
    : parameter === 'payment_method_id'
      ? business.paymentMethodIds
      : parameter in business.billingIds
        ? business.billingIds[parameter as keyof BillingIds]
        : business.customerIds;

/** A business's holds, invoices, payments and subscriptions, for the path parameters of those names. */
export interface BillingIds {
  hold_id: string[];
  invoice_id: string[];
  payment_id: string[];
  refund_id: string[];
  dispute_id: string[];
  subscription_id: string[];
}

export type AuthKind = 'write' | 'read' | 'other' | 'none' | 'malformed' | 'unknown';

export interface FuzzRequest {
  index: number;
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  auth: AuthKind;
  /** True while the method and path still name the documented operation with one of our own ids. */
  routeIntact: boolean;
  /** What was done to the valid request, in order (printed with a finding). */
  mutations: string[];
}

const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'];
const contentTypes = [
  null, 'text/plain', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;charset=utf-8', 'application/json; charset=latin1',
  'application/vnd.api+json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json, text/plain', '', ';',
  'application/json; foo', 'application/jsonx', 'text/json',
];
const hostileIds = [
  '', '%00', 'a%00b', '%ZZ', '%ED%A0%80', '..', '%2e%2e', '..%2F..%2Fbusinesses', '%2F', 'c'.repeat(65), 'c'.repeat(101), "'%20OR%20'1'%3D'1",
  '%F0%9F%98%80', '*', '%25', '%25_%25', 'cus_%0A', 'cus_%1B%5B2J', `cus_${'0'.repeat(21)}`, 'null', 'undefined', '0', '-1', '%20',
];
const oddQueryNames = ['foo', '__proto__', 'constructor', 'PAGE_SIZE', 'page_size[]', 'page%5Bsize%5D', '', '%00', '%ZZ', 'a.b'];
const oddQueryValues = ['', 'abc', '1.5', '-1', '0', '99999999999999999999', '1e3', '0x10', 'true', 'null', '%00', '%ZZ', '%', '%ED%A0%80', '%FF', '+', '%2B1', '%E2%9C%93', 'USD%27%20OR%201%3D1', 'a'.repeat(300)];

const isNumeric = (schema: JsonSchema): boolean =>
  schema.type === 'integer' || schema.type === 'number' || (schema.anyOf ?? []).some((branch: JsonSchema) => isNumeric(branch));
const isText = (schema: JsonSchema): boolean => schema.type === 'string' || (schema.anyOf ?? []).some((branch: JsonSchema) => isText(branch));
const isDateTime = (schema: JsonSchema): boolean =>
  schema.format === 'date-time' || (schema.anyOf ?? []).some((branch: JsonSchema) => isDateTime(branch));
const numericBranch = (schema: JsonSchema): JsonSchema =>
  schema.anyOf?.find((branch: JsonSchema) => isNumeric(branch)) ?? schema;

/** A value for a body field, chosen to break it, weighted by the field's type: number spellings, unusual text, odd dates. */
function hostileValue(schema: JsonSchema, r: Random): unknown {
  const roll = r.next();
  if (isDateTime(schema) && roll < 0.6) return r.pick(oddDateTimes);
  if (isNumeric(schema) && roll < 0.6) return new RawJson(r.pick(numberSpellings(numericBranch(schema))));
  if (isText(schema) && roll < 0.6) return r.chance(0.2) && typeof schema.maxLength === 'number' ? 'm'.repeat(schema.maxLength + r.int(0, 1)) : r.pick(unusualStrings);
  if (roll < 0.75) return new RawJson(r.pick(numberSpellings(numericBranch(schema))));
  if (roll < 0.85) return r.pick(unusualStrings);
  return r.pick(wrongTypes);
}

/** Serializes a body that may hold RawJson values: placeholders first, then the raw text in their place. */
function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, item) => (item instanceof RawJson ? `__raw_${raws.push(item.text) - 1}__` : item));
  return text === undefined ? '' : text.replace(/"__raw_(\d+)__"/g, (_match, index) => raws[Number(index)]);
}

/** A field path inside the body value to mutate: a top-level property, or a key inside an object-valued property. */
function pickField(body: Record<string, unknown>, schema: JsonSchema, r: Random): { parent: Record<string, unknown>; key: string; schema: JsonSchema } {
  const names = [...new Set([...Object.keys(schema.properties ?? {}), ...Object.keys(body)])];
  const key = names.length > 0 ? r.pick(names) : 'field';
  const child = body[key];
  const childSchema: JsonSchema = schema.properties?.[key] ?? {};
  const objectSchema: JsonSchema = childSchema.anyOf?.find((b: JsonSchema) => b.type === 'object') ?? childSchema;
  if (objectSchema.type === 'object' && typeof objectSchema.additionalProperties === 'object' && r.chance(0.6)) {
    // A free-form object (metadata): reach inside it, creating it if the valid body left it out.
    const inner = child && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
    body[key] = inner;
    const names = Object.keys(inner);
    return { parent: inner, key: names.length > 0 && r.chance(0.5) ? r.pick(names) : r.pick(['n', 'k', 'tier']), schema: objectSchema.additionalProperties };
  }
  return { parent: body, key, schema: childSchema };
}

function mutateBodyValue(body: unknown, schema: JsonSchema, r: Random, mutations: string[]): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  const roll = r.next();
  const field = pickField(record, schema, r);
  if (roll < 0.55) {
    field.parent[field.key] = hostileValue(field.schema, r);
    mutations.push(`set ${field.key} to a hostile value`);
  } else if (roll < 0.7) {
    delete field.parent[field.key];
    mutations.push(`removed ${field.key}`);
  } else if (roll < 0.8) {
    const name = r.pick(['foo', 'balance', 'customer_id', 'business_id', 'event_type', '__proto__x', '', 'ä', '\ud800']);
    field.parent[name] = r.pick(wrongTypes);
    mutations.push(`added unknown field ${JSON.stringify(name)}`);
  } else if (roll < 0.9) {
    const key = r.pick(['k', 'tier', '\u0000', '', 'k'.repeat(41), '\udc00', '💸', 'constructor']);
    field.parent[key] = r.pick([...unusualStrings.slice(0, 20), new RawJson(r.pick(numberSpellings({})))]);
    mutations.push(`added key ${JSON.stringify(key)}`);
  } else {
    mutations.push('replaced the body');
    return r.pick([[], null, 'text', 42, true, [record]]);
  }
  return record;
}

function mutateBodyText(text: string, r: Random, mutations: string[]): string | Buffer {
  const roll = r.next();
  if (roll < 0.25 && text.startsWith('{') && text.length > 2) {
    const match = /^\{"([^"]+)":/.exec(text);
    const key = match ? match[1] : 'amount';
    mutations.push(`duplicated key ${key}`);
    return `{"${key}":${r.pick(['1', '"x"', 'null', '1000000'])},${text.slice(1)}`;
  }
  if (roll < 0.4) {
    mutations.push('replaced a number token');
    const spelling = r.pick(numberSpellings({}));
    let replaced = false;
    return text.replace(/(?<=:)-?\d+(\.\d+)?([eE][+-]?\d+)?/, (found) => (replaced ? found : ((replaced = true), spelling)));
  }
  if (roll < 0.5) {
    mutations.push('truncated');
    return text.slice(0, r.int(0, Math.max(0, text.length - 1)));
  }
  if (roll < 0.6) {
    mutations.push('added trailing text');
    return `${text}${r.pick([' x', '}', ',', '\u0000', text])}`;
  }
  if (roll < 0.7) {
    mutations.push('byte-level: invalid UTF-8 or a BOM');
    const bytes = Buffer.from(text, 'utf8');
    const at = r.int(0, bytes.length);
    const insert = r.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0x80]]);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(insert), bytes.subarray(at)]);
  }
  if (roll < 0.8) {
    mutations.push('raw escapes in a string');
    return text.replace(/"(\w)/, (_m, c) => `"${r.pick(['\\ud800', '\\udc00', '\\u0000', '\\ud83d\\ude00', '\\u202e', '\\/', '\\"'])}${c}`);
  }
  if (roll < 0.9) {
    mutations.push('deep nesting');
    const depth = r.int(100, 6000);
    return text.replace(/^\{/, `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`);
  }
  mutations.push('odd whole body');
  return r.pick(['', ' ', '{}', '[]', 'null', '{"a":', 'x'.repeat(70_000), '\ufeff{}', '{"__proto__":{"x":1}}', '{"\\u005f_proto__":{}}']);
}

function buildQuery(operation: Operation, r: Random, mutate: boolean, mutations: string[]): string {
  const pairs: string[] = [];
  for (const parameter of operation.query) {
    if (parameter.required || r.chance(0.35)) {
      pairs.push(`${parameter.name}=${encodeURIComponent(String(validValue(parameter.schema, r, parameter.name)))}`);
    }
  }
  if (mutate && r.chance(0.6)) {
    const roll = r.next();
    const parameter = operation.query.length > 0 ? r.pick(operation.query) : undefined;
    if (roll < 0.45 && parameter) {
      const value = parameter.schema.format === 'date-time' && r.chance(0.7) ? encodeURIComponent(r.pick(oddDateTimes)) : r.pick(oddQueryValues);
      pairs.push(`${parameter.name}=${value}`);
      mutations.push(`query ${parameter.name}=${value.slice(0, 40)}`);
    } else if (roll < 0.65 && parameter) {
      pairs.push(`${parameter.name}=${encodeURIComponent(String(validValue(parameter.schema, r, parameter.name)))}`, `${parameter.name}=1`);
      mutations.push(`repeated query ${parameter.name}`);
    } else if (roll < 0.8 && parameter) {
      pairs.push(r.pick([parameter.name, `${parameter.name}=`, `${parameter.name}[]=1`, `${parameter.name}[a]=1`]));
      mutations.push(`odd query form for ${parameter.name}`);
    } else {
      const name = r.pick(oddQueryNames);
      pairs.push(`${name}=${r.pick(oddQueryValues)}`);
      mutations.push(`unknown query ${name}`);
    }
  }
  const shuffled = pairs.sort(() => r.next() - 0.5);
  return shuffled.length > 0 ? `?${shuffled.join(r.chance(0.05) ? '&&' : '&')}` : '';
}

function pickAuth(r: Random): AuthKind {
  const roll = r.next();
  if (roll < 0.72) return 'write';
  if (roll < 0.8) return 'read';
  if (roll < 0.88) return 'other';
  return r.pick(['none', 'malformed', 'unknown'] as const);
}

function authHeader(auth: AuthKind, world: FuzzWorld, r: Random): string | undefined {
  switch (auth) {
    case 'write':
      return r.chance(0.05) ? `bearer ${world.own.apiKey}` : `Bearer ${world.own.apiKey}`;
    case 'read':
      return `Bearer ${world.own.readOnlyKey}`;
    case 'other':
      return `Bearer ${world.other.apiKey}`;
    case 'none':
      return r.chance(0.5) ? undefined : '';
    case 'malformed':
      return r.pick(['Bearer', 'Basic dXNlcjpwYXNz', `Bearer  ${world.own.apiKey}`, `Bearer ${world.own.apiKey} x`, `Token ${world.own.apiKey}`, `Bearer ${'k'.repeat(300)}`, 'Bearer \u00ff']);
    case 'unknown':
      return `Bearer ck_rw_${randomWord(r, 24)}`;
  }
}

/** Request `index` of a run: derived from the seed and the index alone, so any one can be rebuilt to reproduce it. */
export function buildRequest(index: number, operations: Operation[], world: FuzzWorld, r: Random): FuzzRequest {
  const operation = r.pick(operations);
  const mutations: string[] = [];
  const mutate = r.chance(0.75);
  let routeIntact = true;

  let path = operation.path;
  for (const name of operation.pathParams) {
    const roll = r.next();
    let id = r.pick(idsFor(world.own, name));
    if (mutate && roll < 0.12) {
      id = r.pick(idsFor(world.other, name));
      mutations.push(`path ${name}: another business's ${name === 'webhook_id' ? 'endpoint' : name === 'payment_method_id' ? 'payment method' : 'customer'}`);
    } else if (mutate && roll < 0.3) {
      id = r.pick(hostileIds);
      routeIntact = false;
      mutations.push(`path ${name}: hostile id ${JSON.stringify(id.slice(0, 30))}`);
    }
    path = path.replace(`{${name}}`, id);
  }
  const url = `${path}${buildQuery(operation, r, mutate, mutations)}`;

  let method = operation.method;
  if (mutate && r.chance(0.06)) {
    method = r.pick(methods.filter((m) => m !== operation.method));
    routeIntact = false;
    mutations.push(`method ${method}`);
  }

  const auth = operation.secured ? (mutate ? pickAuth(r) : 'write') : 'none';
  if (auth !== 'write') mutations.push(`auth ${auth}`);
  const headers: Record<string, string> = {};
  const authorization = operation.secured ? authHeader(auth, world, r) : undefined;
  if (authorization !== undefined) headers.authorization = authorization;

  let payload: string | Buffer | undefined;
  if (operation.body) {
    let body = validValue(operation.body, r, 'body');
    if (mutate && r.chance(0.6)) {
      for (let count = r.int(1, 3); count > 0; count--) body = mutateBodyValue(body, operation.body, r, mutations);
    }
    payload = serialize(body);
    if (mutate && r.chance(0.2)) payload = mutateBodyText(payload, r, mutations);
    headers['content-type'] = 'application/json';
    if (mutate && r.chance(0.07)) {
      const contentType = r.pick(contentTypes);
      if (contentType === null) delete headers['content-type'];
      else headers['content-type'] = contentType;
      mutations.push(`content-type ${JSON.stringify(contentType)}`);
    }
  } else if (mutate && r.chance(0.04)) {
    payload = r.pick(['{"a":1}', 'garbage', '']);
    headers['content-type'] = r.pick(['application/json', 'text/plain']);
    mutations.push('a body on a bodiless operation');
  }
  if (operation.path === processorEventsPath && world.processorSecret) payload = signProcessorEvent(headers, payload, world, r, mutate, mutations);
  return { index, operation: `${operation.method} ${operation.path}`, method, url, headers, payload, auth, routeIntact, mutations };
}

const processorEventsPath = '/processor/events';

/**
 * The processor's callback is signed, not keyed: sign the payload as sent (usually with the app's secret, so that the
 * body's validation and the service are reached; some with another secret, an old timestamp or no headers), and name
 * the caller's business in the body half of the time. The timestamp is the wall clock's, as the server checks it.
 */
function signProcessorEvent(headers: Record<string, string>, payload: string | Buffer | undefined, world: FuzzWorld, r: Random, mutate: boolean, mutations: string[]): string | Buffer | undefined {
  let body = payload === undefined ? '' : payload.toString();
  if (typeof payload === 'string' && r.chance(0.5)) {
    const named = body.replace(/"business_id":"[^"]*"/, `"business_id":"${world.own.businessId}"`);
    if (named !== body) mutations.push('body business_id: the own business');
    body = named;
  }
  const roll = mutate ? r.next() : 1;
  const sent = typeof payload === 'string' ? body : payload;
  if (roll < 0.05) {
    mutations.push('callback: no signature headers');
    return sent;
  }
  const secret = roll < 0.12 ? `whsec_${Buffer.from(randomWord(r, 32)).toString('base64')}` : world.processorSecret!;
  const signedAt = new Date(Date.now() - (roll >= 0.12 && roll < 0.18 ? 3_600_000 : 0));
  if (roll < 0.12) mutations.push('callback: signed with another secret');
  else if (roll < 0.18) mutations.push('callback: signed an hour ago');
  const id = `msg_fuzz_${randomWord(r, 12)}`;
  headers['webhook-id'] = id;
  headers['webhook-timestamp'] = String(Math.floor(signedAt.getTime() / 1000));
  headers['webhook-signature'] = new Webhook(secret).sign(id, signedAt, body);
  return sent;
}
