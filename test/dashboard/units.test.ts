// Pure rules of the dashboard: money typed and shown, escaping, cookies, CSRF tokens, the trend series.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dailyClosingBalances, trendWindow } from '../../src/dashboard/balance-trend.ts';
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

describe('balance trend', () => {
  it('daily closing balances: the last entry of each day, carried over days without one', () => {
    const entries = [
      { created_at: '2026-03-02T09:00:00.000Z', after_balance: 700, sequence: 2 },
      { created_at: '2026-03-02T08:00:00.000Z', after_balance: 500, sequence: 1 },
      { created_at: '2026-03-04T23:59:59.999Z', after_balance: 100, sequence: 3 },
    ];
    expect(dailyClosingBalances(entries, { fromDay: '2026-03-01', toDay: '2026-03-05', openingBalance: 200 })).toEqual([
      { day: '2026-03-01', balance: 200 },
      { day: '2026-03-02', balance: 700 },
      { day: '2026-03-03', balance: 700 },
      { day: '2026-03-04', balance: 100 },
      { day: '2026-03-05', balance: 100 },
    ]);
    expect(dailyClosingBalances([], { fromDay: '2026-03-05', toDay: '2026-03-01', openingBalance: 0 })).toEqual([]);
  });

  it('the window ends on the day of now and spans the days asked for', () => {
    expect(trendWindow(new Date('2026-12-01T15:00:00Z'), 30)).toEqual({ fromDay: '2026-11-02', toDay: '2026-12-01' });
    expect(trendWindow(new Date('2026-12-01T15:00:00Z'), 1)).toEqual({ fromDay: '2026-12-01', toDay: '2026-12-01' });
  });

  it('the last point is the after_balance of the newest entry, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ minute: fc.integer({ min: 0, max: 10 * 1440 - 1 }), balance: fc.nat() }), { minLength: 1, maxLength: 40 }), (raw) => {
        const sorted = [...raw].sort((a, b) => a.minute - b.minute);
        const entries = sorted.map((e, index) => ({ created_at: new Date(Date.UTC(2026, 0, 1) + e.minute * 60_000).toISOString(), after_balance: e.balance, sequence: index + 1 }));
        const points = dailyClosingBalances([...entries].reverse(), { fromDay: '2026-01-01', toDay: '2026-01-10', openingBalance: 0 });
        expect(points).toHaveLength(10);
        expect(points.at(-1)!.balance).toBe(entries.at(-1)!.after_balance);
      }),
    );
  });
});
