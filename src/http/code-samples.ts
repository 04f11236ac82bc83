// Adds an official-SDK (`dodopayments`) TypeScript example to every operation of the OpenAPI document (x-codeSamples).
//
// The SDK's resources mirror the URL: `/customers/{id}/wallets/ledger-entries` is `client.customers.wallets.ledgerEntries`,
// path parameters come first, then the body or query; GET and POST on a collection are `list` and `create`, GET, PATCH,
// PUT and DELETE on an item are `retrieve`, `update` and `delete`. Bodies are the documented example, or filled in from
// the request schemas. An operation marked `x-coffer-extension` has no SDK method: its example calls it
// with the SDK's own `client.get` / `client.post` / … on the path, which carry the key, retries and errors alike.

/** Where the examples point; the banner of `coffer serve` prints the real URL. */
export const sampleBaseUrl = 'http://127.0.0.1:8080';
/** What stands for a path parameter in the examples (`cus_…` for `customer_id`). */
const pathParameterSamples: Record<string, string> = {
  customer_id: 'cus_…',
  webhook_id: 'whk_…',
  entry_id: 'cwt_…',
  payment_method_id: 'pm_…',
  currency: 'USD',
  hold_id: 'hold_…',
  invoice_id: 'inv_…',
  payment_id: 'pay_…',
  refund_id: 'ref_…',
  dispute_id: 'dis_…',
  subscription_id: 'sub_…',
};
export const pathParameterSample = (name: string) => pathParameterSamples[name] ?? `<${name}>`;

/** Summaries of Coffer's own operations end with this (and their schemas carry `x-coffer-extension: true`). */
export const extensionMarker = '(Coffer extension)';

/** Operations authenticated by a signature instead of an API key (the HTTP processor's callback). */
const signedOperations = new Set(['post /processor/events']);

/** SDK methods that the path does not spell ("method path" → the method under `client.`). */
const sdkMethodOverrides: Record<string, string> = {
  'get /webhooks/{webhook_id}/secret': 'webhooks.retrieveSecret',
  'get /webhooks/{webhook_id}/headers': 'webhooks.headers.retrieve',
  'patch /webhooks/{webhook_id}/headers': 'webhooks.headers.update',
  'get /customers/{customer_id}/payment-methods': 'customers.retrievePaymentMethods',
  'post /subscriptions/{subscription_id}/charge': 'subscriptions.charge',
};

/** SDK calls whose arguments do not follow the path either (the method id first, the customer in the params). */
const sdkCallOverrides: Record<string, () => string> = {
  'delete /customers/{customer_id}/payment-methods/{payment_method_id}': () =>
    `client.customers.deletePaymentMethod(${literal(pathParameterSample('payment_method_id'))}, { customer_id: ${literal(pathParameterSample('customer_id'))} })`,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface SchemaLike {
  type?: string | string[];
  enum?: Json[];
  examples?: Json[];
  example?: Json;
  default?: Json;
  format?: string;
  minimum?: number;
  properties?: Record<string, SchemaLike>;
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
  additionalProperties?: unknown;
}
interface Operation {
  summary?: string;
  parameters?: Array<{ name: string; in: string; schema?: SchemaLike }>;
  requestBody?: { content?: Record<string, { schema?: SchemaLike; example?: Json }> };
  'x-codeSamples'?: unknown;
  /** Set on Coffer's own operations, which the SDK has no method for. */
  'x-coffer-extension'?: boolean;
}

const camel = (segment: string) => segment.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** A plausible value for a schema: its example or default, else one by type (`ada@example.com` for email properties). */
function sampleValue(name: string, schema: SchemaLike | undefined): Json {
  if (!schema) return `<${name}>`;
  const variant = (schema.anyOf ?? schema.oneOf)?.find((s) => s.type !== 'null');
  if (variant) return sampleValue(name, variant);
  if (schema.examples?.length) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'integer' || type === 'number') return name === 'amount' ? 1000 : (schema.minimum ?? 1);
  if (type === 'boolean') return false;
  if (type === 'object') return schema.properties ? sampleObject(schema) : { plan: 'pro' };
  if (type === 'array') return [];
  if (schema.format === 'date-time') return '2025-01-01T00:00:00Z';
  if (name.includes('email')) return 'ada@example.com';
  if (name === 'name') return 'Ada Lovelace';
  if (name === 'phone_number') return '+1 555 0100';
  if (name === 'idempotency_key') return 'order_1042_refund';
  if (name === 'reason') return 'Refund for order 1042';
  return `<${name}>`;
}

/** Fields marked `x-coffer-extension` (a credit's expires_at and category) stay out: the example is Dodo's request. */
function sampleObject(schema: SchemaLike): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(schema.properties ?? {})
      .filter(([, property]) => !(property as { 'x-coffer-extension'?: boolean })['x-coffer-extension'])
      .map(([name, property]) => [name, sampleValue(name, property)]),
  );
}

/** A JavaScript object literal: keys unquoted where they are identifiers, two-space indent. */
function literal(value: Json, indent = ''): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map((v) => literal(v, inner)).join(', ')}]`;
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const keys = entries.map(([key, v]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`}: ${literal(v, inner)},`);
  return `{\n${keys.join('\n')}\n${indent}}`;
}

const header = [
  "import DodoPayments from 'dodopayments';",
  '',
  `const client = new DodoPayments({ bearerToken: process.env.COFFER_API_KEY, baseURL: '${sampleBaseUrl}' });`,
  '',
];

/** The request body of an example: the documented example (@fastify/swagger moves a body schema's `examples` there), else one from the schema. */
function sampleBody(operation: Operation): Json | undefined {
  const media = operation.requestBody?.content?.['application/json'];
  if (!media?.schema) return undefined;
  return media.example ?? media.schema.examples?.[0] ?? sampleObject(media.schema);
}

/**
 * A Coffer extension through the SDK's generic `client.get/post/put/patch/delete(path, { body })`. Ids are constants
 * above the call (`const customerId = 'cus_…'`), so that a reader replaces them in one place.
 */
function genericSample(method: string, path: string, operation: Operation): string {
  const lines = [...header, '// A Coffer extension: the SDK has no method for it, so its generic request method calls the path.'];
  const names = path.split('/').filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1));
  const isId = (name: string) => name.endsWith('_id');
  for (const name of names) if (isId(name)) lines.push(`const ${camel(name)} = ${literal(pathParameterSample(name))};`);
  const template = path.replace(/\{([^}]+)\}/g, (_m, name: string) => (isId(name) ? `\${${camel(name)}}` : pathParameterSample(name)));
  const body = sampleBody(operation);
  // Required query parameters (a statement's currency, from and to) go in `query`, from their schemas' examples.
  const required = (operation.parameters ?? []).filter((p) => p.in === 'query' && (p as { required?: boolean }).required);
  const query = required.length === 0 ? undefined : Object.fromEntries(required.map((p) => [p.name, (p as { example?: Json }).example ?? sampleValue(p.name, p.schema)]));
  const fields = { ...(query === undefined ? {} : { query }), ...(body === undefined ? {} : { body }) };
  const options = Object.keys(fields).length === 0 ? '' : `, ${literal(fields)}`;
  lines.push(`const result = await client.${method}(\`${template}\`${options});`, 'console.log(result);');
  return lines.join('\n');
}

/**
 * The processor's callback takes no API key: the example signs the body as a processor does (Standard Webhooks:
 * HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed by the secret's base64 after `whsec_`) and sends it with the SDK.
 */
function signedSample(path: string, operation: Operation): string {
  return [
    header[0],
    "import { createHmac } from 'node:crypto';",
    ...header.slice(1),
    "// Sent by your processor service: no API key is needed, the body is signed with COFFER_PAYMENT_PROCESSOR_SECRET.",
    `const event = ${literal(sampleBody(operation) ?? {})};`,
    'const id = `msg_${Date.now()}`; // the same id on every retry of this event',
    'const timestamp = String(Math.floor(Date.now() / 1000));',
    "const key = Buffer.from(process.env.COFFER_PAYMENT_PROCESSOR_SECRET.slice('whsec_'.length), 'base64');",
    "const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${JSON.stringify(event)}`).digest('base64');",
    `const result = await client.post('${path}', { body: event, headers: { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': \`v1,\${signature}\` } });`,
    'console.log(result);',
  ].join('\n');
}

/** The SDK call for one operation, as TypeScript source. */
export function sdkSample(method: string, path: string, operation: Operation): string {
  if (signedOperations.has(`${method} ${path}`)) return signedSample(path, operation);
  if (operation['x-coffer-extension'] || operation.summary?.endsWith(extensionMarker)) return genericSample(method, path, operation);
  const override = sdkCallOverrides[`${method} ${path}`];
  if (override) return [...header, `const result = await ${override()};`, 'console.log(result);'].join('\n');
  const segments = path.split('/').filter(Boolean);
  const parameterNames = segments.filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1));
  const resources = segments.filter((s) => !s.startsWith('{')).map(camel);
  const onItem = segments.at(-1)?.startsWith('{') ?? false;
  const verbs: Record<string, string> = onItem
    ? { get: 'retrieve', patch: 'update', put: 'update', delete: 'delete' }
    : { get: 'list', post: 'create', put: 'update', delete: 'delete' };
  const verb = verbs[method] ?? method;
  const call = `client.${sdkMethodOverrides[`${method} ${path}`] ?? [...resources, verb].join('.')}`;
  const args = parameterNames.map((name) => literal(pathParameterSample(name)));

  const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
  const paged = verb === 'list' && query.some((p) => p.name === 'page_number');
  // Cursor pages (GET /webhooks): the SDK follows `iterator` by itself.
  const cursor = verb === 'list' && query.some((p) => p.name === 'iterator');
  const body = sampleBody(operation);
  if (body !== undefined) args.push(literal(body));
  // page_number: 0 is not optional when iterating: without it SDK 2.52.0 skips the second page (docs/sdk.md).
  else if (paged) args.push(literal({ page_number: 0, page_size: 100 }));
  else if (cursor) args.push(literal({ limit: 100 }));

  const lines = [...header];
  const argumentText = args.join(', ');
  if (paged || cursor) {
    if (paged) lines.push(`// page_number: 0 makes the SDK's auto-pagination read every page (see docs/sdk.md)`);
    lines.push(`for await (const item of ${call}(${argumentText})) {`, '  console.log(item);', '}');
  } else {
    lines.push(`const result = await ${call}(${argumentText});`, 'console.log(result);');
  }
  return lines.join('\n');
}

const httpMethods = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** A copy of the document with an `x-codeSamples` entry (TypeScript, the official SDK) on every operation. */
export function withCodeSamples<T extends object>(document: T): T {
  const copy = structuredClone(document) as T & { paths?: Record<string, Record<string, Operation>> };
  for (const [path, item] of Object.entries(copy.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!httpMethods.has(method)) continue;
      operation['x-codeSamples'] = [{ lang: 'TypeScript', label: 'dodopayments (official SDK)', source: sdkSample(method, path, operation) }];
    }
  }
  return copy;
}
