// Adds an official-SDK (`dodopayments`) TypeScript example to every operation of the OpenAPI document (x-codeSamples).
//
// The SDK's resources mirror the URL: `/customers/{id}/wallets/ledger-entries` is `client.customers.wallets.ledgerEntries`,
// path parameters come first, then the body or query; GET and POST on a collection are `list` and `create`, GET, PATCH,
// PUT and DELETE on an item are `retrieve`, `update` and `delete`. Bodies are filled in from the request schemas. The
// few SDK methods named otherwise are listed below, and Coffer's extensions are called through the SDK's `client.post`.

/** Where the examples point; the banner of `coffer serve` prints the real URL. */
export const sampleBaseUrl = 'http://127.0.0.1:8080';
/** What stands for a path parameter in the examples (`cus_…` for `customer_id`, `whk_…` for `webhook_id`). */
export const pathParameterSample = (name: string) => (name === 'customer_id' ? 'cus_…' : name === 'webhook_id' ? 'whk_…' : `<${name}>`);

/** Operations whose SDK method does not follow the URL rule above. */
const sdkMethods: Readonly<Record<string, string>> = {
  'get /webhooks/{webhook_id}/secret': 'client.webhooks.retrieveSecret',
  'get /webhooks/{webhook_id}/headers': 'client.webhooks.headers.retrieve',
  'patch /webhooks/{webhook_id}/headers': 'client.webhooks.headers.update',
};
/** Coffer's extensions, which the SDK has no method for: called through its generic `client.post` and friends. */
const extensions: ReadonlySet<string> = new Set(['post /webhooks/{webhook_id}/secret/rotate']);

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
  parameters?: Array<{ name: string; in: string; schema?: SchemaLike }>;
  requestBody?: { content?: Record<string, { schema?: SchemaLike }> };
  'x-codeSamples'?: unknown;
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

function sampleObject(schema: SchemaLike): Record<string, Json> {
  return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sampleValue(name, property)]));
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

/** The SDK call for one operation, as TypeScript source. */
export function sdkSample(method: string, path: string, operation: Operation): string {
  const segments = path.split('/').filter(Boolean);
  const parameterNames = segments.filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1));
  const resources = segments.filter((s) => !s.startsWith('{')).map(camel);
  const onItem = segments.at(-1)?.startsWith('{') ?? false;
  const verbs: Record<string, string> = onItem
    ? { get: 'retrieve', patch: 'update', put: 'update', delete: 'delete' }
    : { get: 'list', post: 'create', put: 'update', delete: 'delete' };
  const verb = verbs[method] ?? method;
  const operationKey = `${method} ${path}`;
  const extension = extensions.has(operationKey);
  const call = extension ? `client.${method}` : (sdkMethods[operationKey] ?? `client.${[...resources, verb].join('.')}`);
  const args = extension
    ? [literal(path.replace(/\{([^}]+)\}/g, (_match, name: string) => pathParameterSample(name)))]
    : parameterNames.map((name) => literal(pathParameterSample(name)));

  const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
  const paged = verb === 'list' && query.some((p) => p.name === 'page_number');
  // Cursor pages (GET /webhooks): the SDK follows `iterator` by itself.
  const cursor = verb === 'list' && query.some((p) => p.name === 'iterator');
  const body = operation.requestBody?.content?.['application/json']?.schema;
  if (body) args.push(extension ? literal({ body: sampleObject(body) }) : literal(sampleObject(body)));
  // page_number: 0 is not optional when iterating: without it SDK 2.52.0 skips the second page (docs/sdk.md).
  else if (paged) args.push(literal({ page_number: 0, page_size: 100 }));
  else if (cursor) args.push(literal({ limit: 100 }));

  const lines = [
    "import DodoPayments from 'dodopayments';",
    '',
    `const client = new DodoPayments({ bearerToken: process.env.COFFER_API_KEY, baseURL: '${sampleBaseUrl}' });`,
    '',
  ];
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
