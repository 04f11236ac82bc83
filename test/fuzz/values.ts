// Values for the fuzzer: a valid value for any JSON schema the API uses, and catalogues of hostile ones (numbers in
// every JSON spelling, unusual strings, wrong types, odd dates), all drawn from a seeded stream.
import type { Random } from '../../src/shared/random.ts';
import type { JsonSchema } from './operations.ts';

/** Text to place in a JSON document as is (a number spelling JSON.stringify would never write). */
export class RawJson {
  constructor(readonly text: string) {}
}

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const randomWord = (r: Random, length: number) => Array.from({ length }, () => alphabet[r.int(0, alphabet.length - 1)]).join('');

const stringPool = ['USD', 'INR', 'EUR', 'credit', 'debit', 'ada@example.com', 'Ada Lovelace', '+1 555 0100', 'hello', 'gold', 'x'];

function matches(schema: JsonSchema, text: string): boolean {
  if (schema.minLength !== undefined && text.length < schema.minLength) return false;
  if (schema.maxLength !== undefined && text.length > schema.maxLength) return false;
  return schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(text);
}

/** A timestamp between 2020 and 2030 in one of the spellings the format accepts. */
export function validDateTime(r: Random): string {
  const iso = new Date(Date.UTC(2020, 0, 1) + r.int(0, 10 * 365 * 24 * 3600) * 1000 + r.int(0, 999)).toISOString();
  return r.pick([iso, iso.replace('Z', '+00:00'), iso.replace('.', ':').slice(0, 19) + 'Z', iso.replace('Z', '+05:30')]);
}

/** A credit's expires_at: mostly within the next year (the server refuses past ones and ones beyond its horizon). */
function futureDateTime(r: Random): string {
  return new Date(Date.now() + r.int(60, 365 * 24 * 3600) * 1000).toISOString();
}

function validString(schema: JsonSchema, r: Random, hint: string): string {
  if (schema.format === 'date-time') return /expires_at$/.test(hint) && r.chance(0.8) ? futureDateTime(r) : validDateTime(r);
  if (/idempotency_key/.test(hint)) return r.chance(0.15) ? `fuzz-repeat-${r.int(0, 30)}` : `fuzz-${randomWord(r, 12)}`;
  if (/email/.test(hint) && matches(schema, 'a@b.c')) return `${randomWord(r, 8).toLowerCase()}@example.com`;
  // A webhook endpoint's url, and its event names: mostly ones the server accepts, so that creations succeed.
  if (/\.url$/.test(hint) && r.chance(0.85)) return `https://${randomWord(r, 8).toLowerCase()}.example/hooks`;
  if (/filter_types/.test(hint) && schema.examples?.length && r.chance(0.85)) return r.pick(schema.examples as string[]);
  const candidates = [...(schema.examples ?? []), ...stringPool].filter((s) => typeof s === 'string' && matches(schema, s));
  if (candidates.length > 0 && r.chance(0.8)) return r.pick(candidates);
  for (let attempt = 0; attempt < 5; attempt++) {
    const length = r.int(Math.max(1, schema.minLength ?? 1), Math.min(schema.maxLength ?? 16, 16));
    const word = randomWord(r, length);
    if (matches(schema, word)) return word;
  }
  return candidates[0] ?? 'x';
}

function validInteger(schema: JsonSchema, r: Random, hint: string): number {
  const min = schema.minimum ?? -1000;
  const max = schema.maximum ?? 1000;
  if (/page_number/.test(hint)) return r.chance(0.8) ? r.int(min, Math.min(max, 3)) : max;
  if (r.chance(0.05)) return r.pick([min, max]);
  return r.int(min, Math.min(max, min + 5000));
}

/** A value the schema accepts; `hint` is the field's path (to pick realistic keys and emails). */
export function validValue(schema: JsonSchema, r: Random, hint = ''): unknown {
  if (schema.anyOf) {
    const branches = schema.anyOf as JsonSchema[];
    const nonNull = branches.filter((b) => b.type !== 'null');
    return validValue(r.chance(0.9) && nonNull.length > 0 ? r.pick(nonNull) : r.pick(branches), r, hint);
  }
  if (schema.enum) return r.pick(schema.enum);
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [name, property] of Object.entries<JsonSchema>(schema.properties ?? {})) {
        // A credit's lot fields (expires_at, category) are refused on a debit: sent less often, so most writes land.
        const chance = name === 'expires_at' || name === 'category' ? 0.2 : 0.6;
        if ((schema.required ?? []).includes(name) || r.chance(chance)) value[name] = validValue(property, r, `${hint}.${name}`);
      }
      if (typeof schema.additionalProperties === 'object') {
        const count = r.int(0, Math.min(3, schema.maxProperties ?? 3));
        for (let i = 0; i < count; i++) value[r.pick(['tier', 'plan', 'ref', 'n', `k${i}`])] = validValue(schema.additionalProperties, r, `${hint}.*`);
      }
      return value;
    }
    case 'array':
      return Array.from({ length: r.int(0, 2) }, () => validValue(schema.items ?? {}, r, `${hint}[]`));
    case 'string':
      return validString(schema, r, hint);
    case 'integer':
      return validInteger(schema, r, hint);
    case 'number':
      return r.pick([0, 1, -2, 3.25, 0.1, 1e10, 42]);
    case 'boolean':
      return r.chance(0.5);
    case 'null':
      return null;
    default:
      return 'x';
  }
}

/** Numbers as JSON text: every spelling of a valid number, the limits of a double, and what JSON does not allow. */
export function numberSpellings(schema: JsonSchema): string[] {
  const bounds = [schema.minimum, schema.maximum].filter((n) => typeof n === 'number') as number[];
  return [
    ...bounds.flatMap((n) => [String(n), String(n - 1), String(n + 1), `${n}.0`, `${n}.5`]),
    '0', '-0', '-0.0', '1', '-1', '1.0', '1.5', '1E2', '1e2', '100e-2', '1e-2', '1e400', '-1e400', '1e-400', '5e-324',
    '1.7976931348623157e308', '9007199254740991', '9007199254740992', '9007199254740993', '12345678901234567890',
    '123456789012345678901234567890', '0.1000000000000000055511151231257827', '1000000000000001', '0x10', '+5', '01',
    '.5', '5.', 'NaN', 'Infinity', '-Infinity', '1_000', '1e', '--1',
  ];
}

export const unusualStrings = [
  '', ' ', 'a\u0000b', '\u0000', 'bell\u0007', 'del\u007f', 'tab\tnew\nline\r', '\ud800', 'a\udc00b', '\udfff\ud800', '\ud83d',
  'RTL \u202etxet\u202c', 'emoji 💸🏦😀', 'zero\u200bwidth', '\ufeffBOM', 'line\u2028sep', 'e\u0301', "' OR '1'='1' --",
  '"; DROP TABLE customers; --', '%00', '%ED%A0%80', '../../etc/passwd', '<script>alert(1)</script>', '${7*7}{{7*7}}',
  'ＵＳＤ', 'usd', 'Usd', 'credit ', 'CREDIT', '__proto__', 'constructor', '😀'.repeat(300), 'ü'.repeat(3001), 'k'.repeat(256),
  'x'.repeat(70_000), 'a@b', '@', 'a@b@c', '+++', '١٢٣',
];

export const wrongTypes: unknown[] = [null, true, false, 0, -1, 1.5, '', 'x', '100', [], [1], {}, { a: 1 }, [[[]]]];

export const oddDateTimes = [
  '2016-12-31T23:59:60Z', '2025-03-01T24:00:00Z', '2025-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '0000-01-01T00:00:00+00:01',
  '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-01:00', '+010000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z',
  '2025-03-01t10:00:00z', '2025-03-01 10:00:00Z', '2025-03-01T10:00:00', '2025-03-01', '2025-03-01T10:00:00.1234567Z',
  '2025-03-01T10:00:00.120000Z', '2025-03-01T10:00:00+24:00', '2025-03-01T10:00:00+05:30', 'yesterday', '1709287200', '',
];
