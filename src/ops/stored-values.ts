// Checks that a stored value is one the API can serve as stored: customer metadata, timestamps and text.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** In a `u` regex a surrogate pair is one code point, so this matches lone surrogates only. */
const loneSurrogate = /\p{Cs}/u;

/** True for a string without lone surrogates (String#isWellFormed, which the ES2022 typings lack). */
export const isWellFormed = (text: string): boolean => !loneSurrogate.test(text);

/**
 * Decodes text as read for verification: SQLite columns are read as raw bytes (better-sqlite3 would silently replace
 * invalid UTF-8 with U+FFFD), PostgreSQL ones as strings. Returns null for ill-formed text.
 */
export function decodeStoredText(value: string | Uint8Array): string | null {
  if (typeof value === 'string') return isWellFormed(value) ? value : null;
  try {
    return strictUtf8.decode(value);
  } catch {
    return null;
  }
}

/** A timestamp the API serves as stored: ISO-8601 with milliseconds and Z, exactly as `Date#toISOString` writes it. */
export function isServableTimestamp(value: string): boolean {
  const parsed = Date.parse(value);
  return !Number.isNaN(parsed) && new Date(parsed).toISOString() === value;
}

/** Why customer metadata cannot be served, or null when it can: a JSON object of string, finite number and boolean values. */
export function metadataProblem(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not a JSON object';
  for (const [key, value] of Object.entries(parsed)) {
    if (!isWellFormed(key)) return 'a key is not well-formed text';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `value of "${key}" is not a finite number`;
    } else if (typeof value === 'string') {
      if (!isWellFormed(value)) return `value of "${key}" is not well-formed text`;
    } else if (typeof value !== 'boolean') {
      return `value of "${key}" is ${value === null ? 'null' : typeof value}, not a string, number or boolean`;
    }
  }
  return null;
}
