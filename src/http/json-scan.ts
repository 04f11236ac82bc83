// Finds what JSON.parse would silently change in a JSON text, so that it is refused instead: a number a JavaScript
// number cannot hold exactly (1e400 parses to Infinity, then serializes as null; 12345678901234567890 to …67168;
// 1e-400 to 0), or a key given twice in one object (JSON.parse keeps the last; another reader may keep the first).

export interface RoundTripProblem {
  /** Keys and array indexes from the document's root to the number, or to the repeated key. */
  path: string[];
  /** The number or the key as it was written. */
  token: string;
  reason: 'out_of_range' | 'inexact' | 'duplicate_key';
}

const decimalPattern = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A decimal number's value as "digits e exponent" with no leading or trailing zeros: equal keys, equal values. */
function decimalKey(text: string): string {
  const match = decimalPattern.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  let power = Number(exponent) - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  power += digits.length - trimmed.length;
  digits = trimmed;
  return `${sign}${digits}e${power}`;
}

/** Null when the number as written equals the number Coffer would store and send back; -0 equals 0. */
export function numberProblem(token: string): 'out_of_range' | 'inexact' | null {
  if (token.length <= 16 && /^-?\d{1,15}$/.test(token)) return null;
  const value = Number(token);
  if (!Number.isFinite(value)) return 'out_of_range';
  const served = String(value);
  if (served === token || decimalKey(served) === decimalKey(token)) return null;
  return 'inexact';
}

const isNumberCharacter = (code: number) =>
  (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2b || code === 0x2d || code === 0x45 || code === 0x65;

interface Frame {
  inObject: boolean;
  key: string;
  index: number;
  /** The object's keys so far (objects only). */
  keys: Set<string> | null;
}

const pathOf = (frames: Frame[]) => frames.map((f) => (f.inObject ? f.key : String(f.index)));

/**
 * Scans a text that JSON.parse has already accepted (so only its structure needs tracking) and returns the first
 * number that would not survive or key that repeats, with its path; null when there is none. Iterative: depth costs
 * no stack.
 */
export function findRoundTripProblem(text: string): RoundTripProblem | null {
  const frames: Frame[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      let end = i + 1;
      for (let c = text.charCodeAt(end); c !== 0x22; c = text.charCodeAt(end)) end += c === 0x5c ? 2 : 1;
      if (expectKey) {
        const top = frames[frames.length - 1];
        const raw = text.slice(i + 1, end);
        top.key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys!.has(top.key)) return { path: pathOf(frames.slice(0, -1)), token: top.key, reason: 'duplicate_key' };
        top.keys!.add(top.key);
      }
      i = end + 1;
      continue;
    }
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberCharacter(text.charCodeAt(end))) end += 1;
      const token = text.slice(i, end);
      const reason = numberProblem(token);
      if (reason) return { path: pathOf(frames), token, reason };
      i = end;
      continue;
    }
    if (code === 0x7b) {
      frames.push({ inObject: true, key: '', index: 0, keys: new Set() });
      expectKey = true;
    } else if (code === 0x5b) {
      frames.push({ inObject: false, key: '', index: 0, keys: null });
      expectKey = false;
    } else if (code === 0x7d || code === 0x5d) {
      frames.pop();
      expectKey = false;
    } else if (code === 0x3a) {
      expectKey = false;
    } else if (code === 0x2c) {
      const top = frames[frames.length - 1];
      if (top.inObject) expectKey = true;
      else top.index += 1;
    }
    i += 1;
  }
  return null;
}
