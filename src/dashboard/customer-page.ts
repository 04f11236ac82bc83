// One customer: balances as money (held, available, expiring) with their low-balance thresholds, credit and debit,
// the balance trend, the ledger, and the customer's lots, holds, invoices and payments (customer-sections.ts) and
// subscriptions (subscriptions-page.ts).
import type { Forecast } from '../analytics/forecast.ts';
import { addDays, localDay } from '../analytics/zone-days.ts';
import { eventTypes } from '../ledger/commands.ts';
import type { WireCustomer } from '../customers/customer-service.ts';
import type { WalletWithExpiry, WireEntry } from '../ledger/ledger-service.ts';
import { toWireEntry } from '../ledger/ledger-service.ts';
import { randomBase62 } from '../shared/ids.ts';
import { minorUnitExponent } from '../shared/money.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field, pageNumber } from './context.ts';
import { billingSection, holdsSection, lotsSection } from './customer-sections.ts';
import { filteredEntries } from './dashboard-repo.ts';
import { subscriptionsSection } from './subscriptions-page.ts';
import { type HtmlValue, type SafeHtml, html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';
import { formatMoney } from './money-text.ts';

export const ledgerPageSize = 25;
export const trendDays = 30;

/** What the entry form shows after a submit: the values typed (kept on an error) and a message. */
export interface EntryFormState {
  currency?: string;
  entryType?: string;
  amount?: string;
  reason?: string;
  error?: string;
  notice?: string;
  /** What a hold's Release button answered (shown in the holds section). */
  holds?: { error?: string; notice?: string };
}

export const customerPath = (customerId: string) => `/dashboard/customers/${encodeURIComponent(customerId)}`;

interface LedgerFilter {
  currency?: string;
  eventType?: string;
  from?: string;
  to?: string;
  page: number;
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const validDay = (text: string | undefined) => (text !== undefined && dayPattern.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ? text : undefined);

function readFilter(services: DashboardServices, query: unknown): LedgerFilter {
  const currency = field(query, 'currency', 3);
  const eventType = field(query, 'event_type', 40);
  return {
    currency: currency && services.currencies.includes(currency) ? currency : undefined,
    eventType: eventType && (eventTypes as readonly string[]).includes(eventType) ? eventType : undefined,
    from: validDay(field(query, 'from', 10)),
    to: validDay(field(query, 'to', 10)),
    page: pageNumber(query),
  };
}

/** GET /dashboard/customers/:id, or only its ledger when htmx asks for #ledger. */
export async function customerPage(services: DashboardServices, signedIn: SignedIn, customerId: string, query: unknown, form: EntryFormState = {}, status = 200): Promise<PageAnswer> {
  const businessId = signedIn.principal.businessId;
  const customer = await services.customers.retrieve(businessId, customerId);
  if (!customer.ok) {
    const body = html`<h1>Customer not found</h1><p>${customer.message}.</p><p><a href="/dashboard/customers">Back to customers</a></p>`;
    return { status: 404, body: signedIn.htmx ? body : page({ title: 'Customer not found', area: 'customers', viewer: signedIn.viewer, body }) };
  }
  const filter = readFilter(services, query);
  const ledger = await ledgerSection(services, businessId, customer.value, filter);
  if (signedIn.htmx && signedIn.target === 'ledger') return { body: ledger };
  const main = await customerMain(services, signedIn, customer.value, ledger, form);
  if (signedIn.htmx && signedIn.target === 'customer-main') return { status, body: main };
  const body = html`<p class="crumbs"><a href="/dashboard/customers">Customers</a></p>
<h1>${customer.value.name}</h1>
<p class="meta">${customer.value.email} · <code>${customer.value.customer_id}</code></p>
${main}`;
  return { status, body: page({ title: customer.value.name, area: 'customers', viewer: signedIn.viewer, body }) };
}

/** The part a credit or debit changes: balances, the form, the charts and the ledger. */
async function customerMain(services: DashboardServices, signedIn: SignedIn, customer: WireCustomer, ledger: SafeHtml, form: EntryFormState): Promise<SafeHtml> {
  const businessId = signedIn.principal.businessId;
  const wallets = await services.ledger.listWallets(businessId, customer.customer_id);
  const items = wallets.ok ? wallets.value.items : [];
  const balances = await Promise.all(items.map((wallet) => balanceCard(services, businessId, wallet)));
  const zone = await services.analytics.timeZone(businessId);
  const charts = await Promise.all(items.map((wallet) => trendChart(services, businessId, wallet, zone)));
  const forecasts = await Promise.all(items.map((wallet) => forecastCard(services, businessId, wallet)));
  const path = customerPath(customer.customer_id);
  return html`<div id="customer-main">
<section aria-labelledby="balances-heading"><h2 id="balances-heading">Balances</h2><div class="cards">${balances}</div></section>
${entryForm(services, signedIn, customer.customer_id, form)}
<section aria-labelledby="trend-heading"><h2 id="trend-heading">Balance trend, last ${trendDays} days</h2><p class="hint">Daily closing balances in the business's time zone (${zone}).</p><div class="charts">${charts}</div></section>
<section id="forecast" aria-labelledby="forecast-heading"><h2 id="forecast-heading">Depletion forecast</h2><div class="cards">${forecasts}</div></section>
${ledger}
${await lotsSection(services, businessId, customer.customer_id)}
${await holdsSection(services, signedIn, path, customer.customer_id, form.holds)}
${await billingSection(services, businessId, customer.customer_id)}
${await subscriptionsSection(services, businessId, customer.customer_id)}
</div>`;
}

async function balanceCard(services: DashboardServices, businessId: string, wallet: WalletWithExpiry): Promise<SafeHtml> {
  const threshold = await services.lowBalance.walletThreshold(businessId, wallet.customer_id, wallet.currency);
  let alert: HtmlValue = 'No low-balance alert';
  if (threshold.ok && threshold.value.amount !== null) {
    const below = wallet.balance < threshold.value.amount;
    const source = threshold.value.source === 'wallet' ? "this wallet's own" : 'the business default';
    alert = html`${below ? html`<strong class="warn">Below its low-balance threshold</strong> of ` : 'Low-balance alert below '}${formatMoney(threshold.value.amount, wallet.currency)} (${source})`;
  }
  return html`<div class="card" data-currency="${wallet.currency}">
<p class="currency">${wallet.currency}</p>
<p class="balance" data-testid="balance-${wallet.currency}">${formatMoney(wallet.balance, wallet.currency)}</p>
<dl class="amounts">
<div><dt>Held</dt><dd data-testid="held-${wallet.currency}">${formatMoney(wallet.held_amount, wallet.currency)}</dd></div>
<div><dt>Available</dt><dd data-testid="available-${wallet.currency}">${formatMoney(wallet.available_balance, wallet.currency)}</dd></div>
<div><dt>Expiring within ${services.expiringWindowDays} days</dt><dd data-testid="expiring-${wallet.currency}">${formatMoney(wallet.expiring_amount, wallet.currency)}${wallet.next_expiry_at ? html` <span class="hint">(next ${when(wallet.next_expiry_at)})</span>` : ''}</dd></div>
</dl>
<p class="threshold">${alert}</p>
</div>`;
}

function entryForm(services: DashboardServices, signedIn: SignedIn, customerId: string, form: EntryFormState): SafeHtml {
  const action = `${customerPath(customerId)}/entries`;
  const currency = form.currency ?? services.currencies[0];
  const entryType = form.entryType === 'debit' ? 'debit' : 'credit';
  const options = services.currencies.map((c) => html`<option value="${c}"${c === currency ? ' selected' : ''}>${c}</option>`);
  return html`<section aria-labelledby="entry-heading" class="entry">
<h2 id="entry-heading">Credit or debit</h2>
${signedIn.viewer.readOnly ? html`<p class="notice" id="read-only-note">This API key is read-only: you can look, but credits and debits are refused. Sign in with a read-write key to make a correction.</p>` : ''}
<form method="post" action="${action}" hx-post="${action}" hx-target="#customer-main" hx-select="#customer-main" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" aria-describedby="entry-message">
<input type="hidden" name="_csrf" value="${signedIn.viewer.csrfToken}">
<input type="hidden" name="idempotency_key" value="${`dash_${randomBase62(24)}`}">
<fieldset class="kind"><legend>Entry</legend>
<label><input type="radio" name="entry_type" value="credit"${entryType === 'credit' ? ' checked' : ''}> Credit</label>
<label><input type="radio" name="entry_type" value="debit"${entryType === 'debit' ? ' checked' : ''}> Debit</label>
</fieldset>
<div class="row">
<p><label for="entry-currency">Currency</label><select id="entry-currency" name="currency">${options}</select></p>
<p><label for="entry-amount">Amount</label><input id="entry-amount" name="amount" inputmode="decimal" autocomplete="off" required maxlength="32" placeholder="12.34" value="${form.error ? (form.amount ?? '') : ''}"></p>
</div>
<p><label for="entry-reason">Reason</label><input id="entry-reason" name="reason" maxlength="500" autocomplete="off" value="${form.error ? (form.reason ?? '') : ''}"></p>
<p><button type="submit">Apply</button></p>
<div id="entry-message" aria-live="polite">${form.error ? html`<p class="error" role="alert">${form.error}</p>` : ''}${form.notice ? html`<p class="success" role="status">${form.notice}</p>` : ''}</div>
</form>
</section>`;
}

/** The trend from AnalyticsService.trend: the closing balance of each of the last trendDays local days, today's included. */
async function trendChart(services: DashboardServices, businessId: string, wallet: WalletWithExpiry, zone: string): Promise<SafeHtml> {
  const today = localDay(services.clock.now().getTime(), zone);
  const fromDay = addDays(today, -(trendDays - 1));
  const trend = await services.analytics.trend(businessId, wallet.customer_id, wallet.currency, fromDay, addDays(today, 1));
  const points = trend.ok ? trend.value.items : [];
  const id = `trend-${wallet.currency}`;
  const data = { currency: wallet.currency, exponent: minorUnitExponent(wallet.currency), days: points.map((p) => p.day), balances: points.map((p) => p.closing_balance) };
  const last = points.at(-1);
  const rows = points.filter((point, index) => index === 0 || point.closing_balance !== points[index - 1].closing_balance);
  return html`<figure class="chart">
<figcaption>${wallet.currency}: ${last ? html`<span data-testid="trend-last-${wallet.currency}">${formatMoney(last.closing_balance, wallet.currency)}</span> today` : ''}</figcaption>
<div class="chart-area" id="${id}" data-trend="${JSON.stringify(data)}" role="img" aria-label="${`${wallet.currency} daily closing balance from ${fromDay} to ${today}`}"></div>
<details><summary>${wallet.currency} balances as a table</summary>
${tableRegion(`${wallet.currency} closing balances`, html`<table><thead><tr><th scope="col">Day</th><th scope="col">Closing balance</th></tr></thead>
<tbody>${rows.map((point) => html`<tr><td>${point.day}</td><td class="num">${formatMoney(point.closing_balance, wallet.currency)}</td></tr>`)}</tbody></table>`)}
</details>
</figure>`;
}

const forecastReasonText: Record<Forecast['reasons'][number], string> = {
  too_little_history: 'too little history',
  irregular_spend: 'irregular spend',
  recent_top_up: 'a recent top-up',
};

/** AnalyticsService.forecast for one wallet: when it runs out at the trailing burn rate, and how far to trust it. */
async function forecastCard(services: DashboardServices, businessId: string, wallet: WalletWithExpiry): Promise<SafeHtml> {
  const found = await services.analytics.forecast(businessId, wallet.customer_id, wallet.currency);
  if (!found.ok) return html`<div class="card"><p class="currency">${wallet.currency}</p><p>${found.message}.</p></div>`;
  const f = found.value;
  const c = wallet.currency;
  const projected = f.projected_depletion_at === null ? 'Not projected (nothing is being spent)' : f.balance <= 0 ? 'Already empty' : when(f.projected_depletion_at);
  const trust = f.confidence === 'high' ? 'High' : `Low: ${f.reasons.map((r) => forecastReasonText[r]).join(', ')}`;
  return html`<div class="card" data-forecast="${c}">
<p class="currency">${c}</p>
<dl class="amounts">
<div><dt>Runs out</dt><dd data-testid="forecast-date-${c}">${projected}</dd></div>
<div><dt>Burn rate per day</dt><dd data-testid="forecast-burn-${c}">${formatMoney(f.burn_rate_per_day, c)}</dd></div>
<div><dt>Spent in the last ${f.window_days} days</dt><dd data-testid="forecast-spend-${c}">${formatMoney(f.window_spend, c)}</dd></div>
<div><dt>Confidence</dt><dd data-testid="forecast-confidence-${c}">${trust}</dd></div>
</dl>
</div>`;
}

async function ledgerSection(services: DashboardServices, businessId: string, customer: WireCustomer, filter: LedgerFilter): Promise<SafeHtml> {
  const customerId = customer.customer_id;
  let entries: WireEntry[] = [];
  let more = false;
  if (filter.eventType === undefined && filter.from === undefined && filter.to === undefined) {
    // The ledger service answers pages by currency; one more entry is read to learn whether a next page exists.
    const listed = await services.ledger.listEntries(businessId, customerId, { pageNumber: filter.page, pageSize: ledgerPageSize, currency: filter.currency });
    entries = listed.ok ? listed.value.items : [];
    const next = await services.ledger.listEntries(businessId, customerId, { pageNumber: (filter.page + 1) * ledgerPageSize, pageSize: 1, currency: filter.currency });
    more = next.ok && next.value.items.length > 0;
  } else {
    const toExclusive = filter.to === undefined ? undefined : new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000).toISOString();
    const rows = await filteredEntries(
      services.db,
      businessId,
      customerId,
      { currency: filter.currency, eventType: filter.eventType, createdAtGte: filter.from && `${filter.from}T00:00:00.000Z`, createdAtLt: toExclusive },
      { offset: filter.page * ledgerPageSize, limit: ledgerPageSize },
    );
    more = rows.length > ledgerPageSize;
    entries = rows.slice(0, ledgerPageSize).map(toWireEntry);
  }
  const path = customerPath(customerId);
  const query = { currency: filter.currency, event_type: filter.eventType, from: filter.from, to: filter.to };
  const currencyOptions = [html`<option value="">All</option>`, ...services.currencies.map((c) => html`<option value="${c}"${c === filter.currency ? ' selected' : ''}>${c}</option>`)];
  const typeOptions = [html`<option value="">All</option>`, ...eventTypes.map((t) => html`<option value="${t}"${t === filter.eventType ? ' selected' : ''}>${t.replaceAll('_', ' ')}</option>`)];
  const rows = entries.map(
    (entry) => html`<tr><td>${when(entry.created_at)}</td><td>${entry.is_credit ? 'Credit' : 'Debit'}</td><td>${entry.event_type.replaceAll('_', ' ')}</td>
<td class="num">${entry.is_credit ? '+' : '−'}${formatMoney(entry.amount, entry.currency)}</td><td class="num">${formatMoney(entry.after_balance, entry.currency)}</td><td>${entry.reason ?? ''}</td></tr>`,
  );
  return html`<section id="ledger" aria-labelledby="ledger-heading">
<h2 id="ledger-heading">Ledger</h2>
<form class="filters" method="get" action="${path}" hx-get="${path}" hx-target="#ledger" hx-select="#ledger" hx-swap="outerHTML" hx-push-url="true">
<p><label for="ledger-currency">Currency</label><select id="ledger-currency" name="currency">${currencyOptions}</select></p>
<p><label for="ledger-event-type">Event type</label><select id="ledger-event-type" name="event_type">${typeOptions}</select></p>
<p><label for="ledger-from">From</label><input id="ledger-from" name="from" type="date" value="${filter.from ?? ''}"></p>
<p><label for="ledger-to">To</label><input id="ledger-to" name="to" type="date" value="${filter.to ?? ''}"></p>
<p><button type="submit">Filter</button></p>
</form>
${entries.length === 0
  ? html`<p>No entries${filter.page > 0 ? ' on this page' : ''}.</p>`
  : tableRegion('Ledger entries', html`<table><caption>Ledger entries, newest first, page ${filter.page + 1}</caption>
<thead><tr><th scope="col">When</th><th scope="col">Entry</th><th scope="col">Event type</th><th scope="col">Amount</th><th scope="col">Balance after</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
${pager({
  label: 'Ledger pages',
  previous: filter.page > 0 ? withQuery(path, { ...query, page: filter.page - 1 || undefined }) : undefined,
  next: more ? withQuery(path, { ...query, page: filter.page + 1 }) : undefined,
})}
</section>`;
}
