// Pure rules of the dashboard: money typed and shown, escaping, cookies, CSRF tokens, the trend series.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/dashboard/html.ts';
import { formatMoney, parseMoney } from '../../src/dashboard/money-text.ts';
import { cookieHeader, csrfTokenOf, parseCookies, sameSecret, sessionTokenHash } from '../../src/dashboard/sessions.ts';
import { entryAmountMax } from '../../src/shared/money.ts';

describe('money as text', () => {
  it('formats minor units with Intl.NumberFormat: en-US for USD, en-IN for INR', () => {
    expect(formatMoney(1234, 'USD')).toBe('$12.34');
    expect(formatMoney(1_500_000, 'INR')).toBe('₹15,000.00');
    expect(formatMoney(1_000_000_000, 'INR')).toBe('₹1,00,00,000.00');
    expect(formatMoney(5, 'USD')).toBe('$0.05');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
    expect(formatMoney(1200, 'JPY')).toBe('¥1,200');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD')).toBe('$90,071,992,547,409.91');
  });

  it('parses an amount typed as money exactly into minor units', () => {
    const cases: Array<[string, string, number]> = [
      ['12.34', 'USD', 1234],
      ['12', 'USD', 1200],
      ['12.3', 'USD', 1230],
      ['0.01', 'USD', 1],
      ['$1,234.50', 'USD', 123_450],
      ['₹15,000', 'INR', 1_500_000],
      ['1,00,000.25', 'INR', 10_000_025],
      [' 7.10 ', 'USD', 710],
      ['1200', 'JPY', 1200],
      ['0.29', 'USD', 29],
      ['1.005', 'KWD', 1005],
      ['10000000000000', 'USD', entryAmountMax],
    ];
    for (const [text, currency, minor] of cases) expect(parseMoney(text, currency), text).toEqual({ ok: true, value: minor });
  });

  it('refuses what is not an amount, with words that say why', () => {
    for (const text of ['', '  ', 'abc', '-5', '1e3', '12.345', '0', '0.00', '1,2345', '12,34', '1..2', '0x10', 'Infinity', '1'.repeat(40), '10000000000000.01']) {
      const parsed = parseMoney(text, 'USD');
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(/amount|decimal|zero|long|largest/i);
    }
    expect(parseMoney('12.5', 'JPY')).toMatchObject({ ok: false, message: expect.stringContaining('JPY has no minor unit') });
  });

  it('round-trips every amount: parse(format(x)) = x, with no float on the way', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: entryAmountMax }), fc.constantFrom('USD', 'INR', 'JPY', 'KWD'), (minor, currency) => {
        expect(parseMoney(formatMoney(minor, currency).replace(/[^\d.,]/g, ''), currency)).toEqual({ ok: true, value: minor });
      }),
    );
  });
});

describe('html templates', () => {
  it('escape every interpolated value, keep nested templates as markup', () => {
    const name = `<script>alert("x")</script>' & \``;
    expect(String(html`<p title="${name}">${name}</p>`)).toBe(`<p title="${escapeHtml(name)}">${escapeHtml(name)}</p>`);
    expect(String(html`<p title="${name}">${name}</p>`)).not.toContain('<script>');
    expect(String(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`)).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(String(html`${null}${undefined}${false}${0}`)).toBe('0');
  });
});

describe('sessions and cookies', () => {
  it('the CSRF token is derived from the session token one way, and stored nowhere', () => {
    const token = 'A'.repeat(43);
    expect(csrfTokenOf(token)).toBe(csrfTokenOf(token));
    expect(csrfTokenOf(token)).not.toBe(csrfTokenOf('B'.repeat(43)));
    expect(csrfTokenOf(token)).not.toContain(token);
    expect(sessionTokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cookies are HttpOnly, SameSite=Strict, scoped to /dashboard, Secure only over https', () => {
    expect(cookieHeader('a', 'b', { secure: false, maxAgeSeconds: 60 })).toBe('a=b; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(cookieHeader('a', 'b', { secure: true, maxAgeSeconds: 60 })).toMatch(/; Secure$/);
    expect(parseCookies('x=1; coffer=abc; x=2;bad; =y')).toEqual({ x: '1', coffer: 'abc' });
    expect(parseCookies(undefined)).toEqual({});
  });

  it('compares secrets whole', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });
});

