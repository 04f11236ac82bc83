// Random identifiers shaped like Dodo's: a prefix, an underscore, then 21 base62 characters from node:crypto.
import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const idLength = 21;

/** Returns `length` base62 characters with no modulo bias (bytes >= 248 are redrawn). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += alphabet[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export type IdGenerator = (prefix: string) => string;

export const newId: IdGenerator = (prefix) => `${prefix}_${randomBase62(idLength)}`;

export const idPrefixes = {
  business: 'bus',
  customer: 'cus',
  apiKey: 'key',
  ledgerEntry: 'cwt',
} as const;
