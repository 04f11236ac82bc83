// Finds a number in a JSON text that a JavaScript number cannot hold exactly, so that it is refused rather than
// silently changed: 1e400 parses to Infinity (then serializes as null), 12345678901234567890 to …67168, 1e-400 to 0.

export interface UnfaithfulNumber {
  /** Keys and array indexes from the document's root to the number. */
  path: string[];
  /** The number as it was written. */
  token: string;
  reason: 'out_of_range' | 'inexact';
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
export function numberProblem(token: string): UnfaithfulNumber['reason'] | null {
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
}

/**
 * Scans a text that JSON.parse has already accepted (so only its structure needs tracking) and returns the first
 * number that would not survive, with its path; null when every number is held exactly. Iterative: depth costs no stack.
 */
export function findUnfaithfulNumber(text: string): UnfaithfulNumber | null {
  const frames: Frame[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      let end = i + 1;
      for (let c = text.charCodeAt(end); c !== 0x22; c = text.charCodeAt(end)) end += c === 0x5c ? 2 : 1;
      if (expectKey) frames[frames.length - 1].key = JSON.parse(text.slice(i, end + 1)) as string;
      i = end + 1;
      continue;
    }
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberCharacter(text.charCodeAt(end))) end += 1;
      const token = text.slice(i, end);
      const reason = numberProblem(token);
      if (reason) return { path: frames.map((f) => (f.inObject ? f.key : String(f.index))), token, reason };
      i = end;
      continue;
    }
    if (code === 0x7b) {
      frames.push({ inObject: true, key: '', index: 0 });
      expectKey = true;
    } else if (code === 0x5b) {
      frames.push({ inObject: false, key: '', index: 0 });
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
