// The Reports page: activity (credits and debits per period, a chart per currency and a table), the liability per
// currency at the end of a day (paid and promotional), and breakage (expired amounts) per period. Every figure is
// AnalyticsService's answer; each report's CSV download streams the same call's rows.
import type { Period } from '../analytics/zone-days.ts';
import { addDays, isCalendarDay, localDay } from '../analytics/zone-days.ts';
import { minorUnitExponent } from '../shared/money.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field } from './context.ts';
import { type SafeHtml, html } from './html.ts';
import { page, tableRegion, withQuery } from './layout.ts';
import { formatMoney } from './money-text.ts';

/** The window the page opens on: the last this many local days, today's included. */
export const reportDaysDefault = 30;
const periods: readonly Period[] = ['day', 'week', 'month'];

export interface ReportQuery {
  /** First local day (inclusive). */
  from: string;
  /** Day after the last one (exclusive), as the API's reports take it. */
  to: string;
  period: Period;
  /** Activity of one currency, or of all when absent. */
  currency?: string;
  /** The liability is what the wallets held at the end of this local day. */
  date: string;
}

/** The query as typed, with the defaults (the last reportDaysDefault days, by day, liability at today) where absent. */
export async function readReportQuery(services: DashboardServices, businessId: string, query: unknown): Promise<ReportQuery> {
  const today = localDay(services.clock.now().getTime(), await services.analytics.timeZone(businessId));
  const day = (name: string, fallback: string) => {
    const text = field(query, name, 10);
    return text === undefined || text === '' ? fallback : text;
  };
  const period = field(query, 'period', 5) as Period | undefined;
  const currency = field(query, 'currency', 3);
  return {
    from: day('from', addDays(today, -(reportDaysDefault - 1))),
    to: day('to', addDays(today, 1)),
    period: period && periods.includes(period) ? period : 'day',
    currency: currency && services.currencies.includes(currency) ? currency : undefined,
    date: day('date', today),
  };
}

const reportQuery = (q: ReportQuery) => ({ from: q.from, to: q.to, period: q.period, currency: q.currency, date: q.date });

/** GET /dashboard/reports. */
export async function reportsPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const businessId = signedIn.principal.businessId;
  const q = await readReportQuery(services, businessId, query);
  const [activity, liability, breakage] = await Promise.all([
    services.analytics.activityReport(businessId, { from: q.from, to: q.to, period: q.period, currency: q.currency }),
    services.analytics.liabilityReport(businessId, q.date),
    services.analytics.breakageReport(businessId, { from: q.from, to: q.to, period: q.period }),
  ]);
  const errors = [activity, liability, breakage].flatMap((r) => (r.ok ? [] : [r.message]));
  const zone = activity.ok ? activity.value.time_zone : liability.ok ? liability.value.time_zone : await services.analytics.timeZone(businessId);
  const body = html`<h1>Reports</h1>
<p class="hint">Days are the business's local days (${zone}). Amounts are exact; each CSV lists them in minor units.</p>
${filterForm(services, q)}
${errors.length > 0 ? html`<div id="report-errors" role="alert">${[...new Set(errors)].map((message) => html`<p class="error">${message}.</p>`)}</div>` : ''}
${activity.ok ? activitySection(services, q, activity.value.items) : ''}
${liability.ok ? liabilitySection(q, liability.value) : ''}
${breakage.ok ? breakageSection(q, breakage.value.items) : ''}`;
  return { status: errors.length > 0 ? 400 : 200, body: page({ title: 'Reports', area: 'reports', viewer: signedIn.viewer, body }) };
}

function filterForm(services: DashboardServices, q: ReportQuery): SafeHtml {
  const periodOptions = periods.map((p) => html`<option value="${p}"${p === q.period ? ' selected' : ''}>${p}</option>`);
  const currencyOptions = [html`<option value="">All</option>`, ...services.currencies.map((c) => html`<option value="${c}"${c === q.currency ? ' selected' : ''}>${c}</option>`)];
  return html`<form method="get" action="/dashboard/reports" class="filters" aria-label="Report period">
<p><label for="report-from">From (first day)</label><input id="report-from" name="from" type="date" value="${q.from}"></p>
<p><label for="report-to">To (not included)</label><input id="report-to" name="to" type="date" value="${q.to}"></p>
<p><label for="report-period">Period</label><select id="report-period" name="period">${periodOptions}</select></p>
<p><label for="report-currency">Activity currency</label><select id="report-currency" name="currency">${currencyOptions}</select></p>
<p><label for="report-date">Liability at the end of</label><input id="report-date" name="date" type="date" value="${q.date}"></p>
<p><button type="submit">Show</button></p>
</form>`;
}

type ActivityItems = Extract<Awaited<ReturnType<DashboardServices['analytics']['activityReport']>>, { ok: true }>['value']['items'];
type LiabilityValue = Extract<Awaited<ReturnType<DashboardServices['analytics']['liabilityReport']>>, { ok: true }>['value'];
type BreakageItems = Extract<Awaited<ReturnType<DashboardServices['analytics']['breakageReport']>>, { ok: true }>['value']['items'];

const csvLink = (name: string, q: ReportQuery, label: string) => html`<p><a href="${withQuery(`/dashboard/reports/${name}.csv`, reportQuery(q))}" download>${label}</a></p>`;

function activitySection(services: DashboardServices, q: ReportQuery, items: ActivityItems): SafeHtml {
  // One chart per currency: the credits and debits of each period, every event type together.
  const charts = services.currencies
    .filter((c) => q.currency === undefined || c === q.currency)
    .map((currency) => {
      const starts: string[] = [];
      for (const row of items) if (row.currency === currency && starts.at(-1) !== row.period_start) starts.push(row.period_start);
      const credits = starts.map((s) => items.filter((r) => r.currency === currency && r.period_start === s).reduce((sum, r) => sum + r.credit_amount, 0));
      const debits = starts.map((s) => items.filter((r) => r.currency === currency && r.period_start === s).reduce((sum, r) => sum + r.debit_amount, 0));
      if (starts.length === 0) return html``;
      const data = { currency, exponent: minorUnitExponent(currency), days: starts, series: [{ label: 'Credits', values: credits }, { label: 'Debits', values: debits }] };
      const total = (values: number[]) => formatMoney(values.reduce((a, b) => a + b, 0), currency);
      return html`<figure class="chart">
<figcaption>${currency}: credits ${total(credits)}, debits ${total(debits)}</figcaption>
<div class="chart-area" id="activity-${currency}" data-trend="${JSON.stringify(data)}" role="img" aria-label="${`${currency} credits and debits per ${q.period} from ${q.from} to ${q.to} (not included)`}"></div>
</figure>`;
    });
  const rows = items.map(
    (r) => html`<tr><td>${r.period_start}</td><td>${r.currency}</td><td>${r.event_type}</td><td class="num">${formatMoney(r.credit_amount, r.currency)}</td><td class="num">${formatMoney(r.debit_amount, r.currency)}</td><td class="num">${r.entry_count}</td></tr>`,
  );
  return html`<section id="activity" aria-labelledby="activity-heading">
<h2 id="activity-heading">Activity per ${q.period}</h2>
${items.length === 0 ? html`<p>No entries in this period.</p>` : html`<div class="charts">${charts}</div>
${tableRegion('Activity', html`<table><caption>Credits and debits per ${q.period} and event type, ${q.from} to ${q.to} (not included)</caption>
<thead><tr><th scope="col">Period</th><th scope="col">Currency</th><th scope="col">Event type</th><th scope="col">Credits</th><th scope="col">Debits</th><th scope="col">Entries</th></tr></thead>
<tbody>${rows}</tbody></table>`)}`}
${csvLink('activity', q, 'Download the activity as CSV')}
</section>`;
}

function liabilitySection(q: ReportQuery, liability: LiabilityValue): SafeHtml {
  const rows = liability.items.map(
    (r) => html`<tr data-currency="${r.currency}"><td>${r.currency}</td><td class="num">${formatMoney(r.total, r.currency)}</td><td class="num">${formatMoney(r.paid, r.currency)}</td><td class="num">${formatMoney(r.promotional, r.currency)}</td></tr>`,
  );
  return html`<section id="liability" aria-labelledby="liability-heading">
<h2 id="liability-heading">Liability at the end of ${liability.date}</h2>
${tableRegion('Liability', html`<table><caption>What the wallets held together at ${liability.at}, per currency</caption>
<thead><tr><th scope="col">Currency</th><th scope="col">Total</th><th scope="col">Paid</th><th scope="col">Promotional</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
${csvLink('liability', q, 'Download the liability as CSV')}
</section>`;
}

function breakageSection(q: ReportQuery, items: BreakageItems): SafeHtml {
  const rows = items.map(
    (r) => html`<tr><td>${r.period_start}</td><td>${r.currency}</td><td class="num">${formatMoney(r.expired_amount, r.currency)}</td><td class="num">${formatMoney(r.promotional_amount, r.currency)}</td></tr>`,
  );
  return html`<section id="breakage" aria-labelledby="breakage-heading">
<h2 id="breakage-heading">Breakage per ${q.period}</h2>
${items.length === 0 ? html`<p>Nothing expired in this period.</p>` : tableRegion('Breakage', html`<table><caption>Expired credit per ${q.period}, ${q.from} to ${q.to} (not included)</caption>
<thead><tr><th scope="col">Period</th><th scope="col">Currency</th><th scope="col">Expired</th><th scope="col">Of it promotional</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
${csvLink('breakage', q, 'Download the breakage as CSV')}
</section>`;
}

export const reportNames = ['activity', 'liability', 'breakage'] as const;
export type ReportName = (typeof reportNames)[number];

const csvCell = (value: string | number) => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csvLine = (cells: ReadonlyArray<string | number>) => `${cells.map(csvCell).join(',')}\r\n`;

/** A report as CSV lines (header first), amounts in minor units, or the service's refusal. */
export async function reportCsv(
  services: DashboardServices,
  signedIn: SignedIn,
  name: ReportName,
  query: unknown,
): Promise<{ ok: true; fileName: string; lines: AsyncGenerator<string> } | { ok: false; message: string }> {
  const businessId = signedIn.principal.businessId;
  const q = await readReportQuery(services, businessId, query);
  if (name === 'liability') {
    if (!isCalendarDay(q.date)) return { ok: false, message: `date ${q.date} is not a calendar day (YYYY-MM-DD)` };
    const found = await services.analytics.liabilityReport(businessId, q.date);
    if (!found.ok) return { ok: false, message: found.message };
    const { value } = found;
    return {
      ok: true,
      fileName: `liability-${q.date}.csv`,
      lines: (async function* () {
        yield csvLine(['date', 'at', 'currency', 'total', 'paid', 'promotional']);
        for (const r of value.items) yield csvLine([value.date, value.at, r.currency, r.total, r.paid, r.promotional]);
      })(),
    };
  }
  if (name === 'activity') {
    const found = await services.analytics.activityReport(businessId, { from: q.from, to: q.to, period: q.period, currency: q.currency });
    if (!found.ok) return { ok: false, message: found.message };
    const { items } = found.value;
    return {
      ok: true,
      fileName: `activity-${q.from}-${q.to}-${q.period}.csv`,
      lines: (async function* () {
        yield csvLine(['period_start', 'currency', 'event_type', 'credit_amount', 'debit_amount', 'entry_count']);
        for (const r of items) yield csvLine([r.period_start, r.currency, r.event_type, r.credit_amount, r.debit_amount, r.entry_count]);
      })(),
    };
  }
  const found = await services.analytics.breakageReport(businessId, { from: q.from, to: q.to, period: q.period });
  if (!found.ok) return { ok: false, message: found.message };
  const { items } = found.value;
  return {
    ok: true,
    fileName: `breakage-${q.from}-${q.to}-${q.period}.csv`,
    lines: (async function* () {
      yield csvLine(['period_start', 'currency', 'expired_amount', 'promotional_amount']);
      for (const r of items) yield csvLine([r.period_start, r.currency, r.expired_amount, r.promotional_amount]);
    })(),
  };
}
