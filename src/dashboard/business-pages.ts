// Business-wide pages: customers below their low-balance threshold, and the newest events in the feed.
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { pageNumber } from './context.ts';
import { newestEvents, walletsBelowThreshold } from './dashboard-repo.ts';
import { html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';
import { customerPath } from './customer-page.ts';
import { formatMoney } from './money-text.ts';

export const lowBalancePageSize = 25;
export const recentEventsMax = 50;

export async function lowBalancePage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const pageIndex = pageNumber(query);
  const rows = await walletsBelowThreshold(services.db, signedIn.principal.businessId, { offset: pageIndex * lowBalancePageSize, limit: lowBalancePageSize });
  const shown = rows.slice(0, lowBalancePageSize);
  const path = '/dashboard/low-balance';
  const table = tableRegion('Wallets below their threshold', html`<table><caption>Wallets below their low-balance threshold, lowest balance first</caption>
<thead><tr><th scope="col">Customer</th><th scope="col">Email</th><th scope="col">Currency</th><th scope="col">Balance</th><th scope="col">Threshold</th><th scope="col">Set by</th></tr></thead>
<tbody>${shown.map(
    (row) => html`<tr><td><a href="${customerPath(row.customer_id)}">${row.name}</a></td><td>${row.email}</td><td>${row.currency}</td>
<td class="num">${formatMoney(row.balance, row.currency)}</td><td class="num">${formatMoney(row.threshold, row.currency)}</td><td>${row.source === 'wallet' ? 'the wallet' : 'business default'}</td></tr>`,
  )}</tbody></table>`);
  const body = html`<h1>Low balances</h1>
<p>Wallets whose balance is below the low-balance threshold in force: the wallet's own, or the business default for its currency (set through the API, see docs/webhooks.md).</p>
${shown.length === 0 ? html`<p>No wallet is below its threshold${pageIndex > 0 ? ' on this page' : ''}.</p>` : table}
${pager({ label: 'Low-balance pages', previous: pageIndex > 0 ? withQuery(path, { page: pageIndex - 1 || undefined }) : undefined, next: rows.length > lowBalancePageSize ? withQuery(path, { page: pageIndex + 1 }) : undefined })}`;
  return { body: page({ title: 'Low balances', area: 'low-balance', viewer: signedIn.viewer, body }) };
}

export async function eventsPage(services: DashboardServices, signedIn: SignedIn): Promise<PageAnswer> {
  const events = await newestEvents(services.db, signedIn.principal.businessId, recentEventsMax);
  const rows = events.map(
    (event) => html`<tr><td>${when(event.created_at)}</td><td>${event.type}</td><td>${event.customer_id ? html`<a href="${customerPath(event.customer_id)}">${event.customer_id}</a>` : ''}</td>
<td><details><summary><code>${event.id}</code></summary><pre>${JSON.stringify(JSON.parse(event.data), null, 2)}</pre></details></td></tr>`,
  );
  const body = html`<h1>Events</h1>
<p>The ${recentEventsMax} newest events in the feed, newest first: what webhook endpoints receive (GET /events reads them oldest first, from a cursor).</p>
${events.length === 0 ? html`<p>No events yet.</p>` : tableRegion('Recent events', html`<table><caption>Recent events</caption>
<thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Customer</th><th scope="col">Event</th></tr></thead>
<tbody>${rows}</tbody></table>`)}`;
  return { body: page({ title: 'Events', area: 'events', viewer: signedIn.viewer, body }) };
}
