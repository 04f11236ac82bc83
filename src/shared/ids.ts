// Identifiers shaped like Dodo's: a prefix, an underscore, then 21 base62 characters, the random ones from node:crypto.
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from './clock.ts';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const idLength = 21;
/** Leading characters of an id that encode its creation time in milliseconds (62^8 ms reaches the year 8900). */
const timeLength = 8;
const poolBytes = 4096;

let pool = Buffer.alloc(0);
let poolOffset = 0;

/** One random byte from a pool refilled from the CSPRNG 4 KiB at a time (one system call per ~180 ids, not one each). */
function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(poolBytes);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

/** Returns `length` random base62 characters with no modulo bias (bytes >= 248 are redrawn). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += alphabet[byte % 62];
  }
  return out;
}

function base62Time(milliseconds: number): string {
  let out = '';
  let rest = Math.floor(milliseconds);
  for (let i = 0; i < timeLength; i++) {
    out = alphabet[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

export type IdGenerator = (prefix: string) => string;

/**
 * 8 characters of creation time then 13 random ones (~77 bits). Ids made later sort later, so the primary-key
 * index of a table is appended to instead of having a random page dirtied by every insert: far fewer pages written
 * per ledger commit. The time part is not a clock to rely on; ordering and paging use the ledger's sequences.
 */
export function idGenerator(clock: Clock): IdGenerator {
  return (prefix) => `${prefix}_${base62Time(clock.now().getTime())}${randomBase62(idLength - timeLength)}`;
}

/** Ids timed by the system clock, for the CLI's own records (businesses, keys); services take an `idGenerator(clock)`. */
export const newId: IdGenerator = idGenerator(systemClock);

export const idPrefixes = {
  business: 'bus',
  customer: 'cus',
  apiKey: 'key',
  ledgerEntry: 'cwt',
  event: 'evt',
  webhookEndpoint: 'whk',
  webhookAttempt: 'wha',
  creditLot: 'lot',
  paymentMethod: 'pm',
  simulatedCharge: 'ch',
  simulatedRefund: 're',
  hold: 'hold',
  invoice: 'inv',
  payment: 'pay',
  refund: 'ref',
  dispute: 'dis',
  subscription: 'sub',
  autoRechargeAttempt: 'arc',
} as const;
