// Subscriptions (SubscriptionService): the Subscriptions page (paged, filtered by status and customer) and the
// customer page's section (status, next billing date, amount). Looking only: subscriptions change through the API.
import { subscriptionStatuses } from '../subscriptions/subscription-schemas.ts';
import type { WireSubscription } from '../subscriptions/subscription-wire.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field, pageNumber } from './context.ts';
import { customerPath } from './customer-page.ts';
import { customerSectionRowsMax } from './customer-sections.ts';
import { type SafeHtml, html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';
import { formatMoney } from './money-text.ts';

export const subscriptionsPageSize = 25;
const customerIdPattern = /^cus_[0-9A-Za-z]{1,60}$/;
const label = (text: string) => text.replaceAll('_', ' ');

/** "every month", "every 3 weeks". */
export function intervalText(subscription: Pick<WireSubscription, 'interval' | 'interval_count'>): string {
  return subscription.interval_count === 1 ? `every ${subscription.interval}` : `every ${subscription.interval_count} ${subscription.interval}s`;
}

const head = (showCustomer: boolean) =>
  html`<thead><tr><th scope="col">Subscription</th>${showCustomer ? html`<th scope="col">Customer</th>` : ''}<th scope="col">Status</th><th scope="col">Amount</th><th scope="col">Billed</th><th scope="col">Next billing</th><th scope="col">Periods billed</th><th scope="col">Dunning</th></tr></thead>`;

function rows(subscriptions: readonly WireSubscription[], showCustomer: boolean): SafeHtml[] {
  return subscriptions.map((subscription) => {
    const ends = subscription.status === 'cancelled' || subscription.status === 'expired';
    const next = ends ? '' : `${when(subscription.next_billing_date)}${subscription.cancel_at_next_billing_date ? ' (ends then)' : ''}`;
    const dunning = subscription.dunning ? `attempt ${subscription.dunning.attempt}${subscription.dunning.next_retry_at ? `, next retry ${when(subscription.dunning.next_retry_at)}` : ''}` : '';
    return html`<tr><td><code>${subscription.subscription_id}</code></td>${showCustomer ? html`<td><a href="${customerPath(subscription.customer.customer_id)}">${subscription.customer.name}</a></td>` : ''}
<td data-testid="${`subscription-status-${subscription.subscription_id}`}">${label(subscription.status)}</td><td class="num">${formatMoney(subscription.recurring_pre_tax_amount, subscription.currency)}</td><td>${intervalText(subscription)}</td>
<td data-testid="${`subscription-next-${subscription.subscription_id}`}">${next}</td><td class="num">${subscription.periods_billed}</td><td>${dunning}</td></tr>`;
  });
}

export async function subscriptionsPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const statusText = field(query, 'status', 20);
  const status = subscriptionStatuses.find((s) => s === statusText);
  const customerText = field(query, 'customer_id', 64);
  const customerId = customerText !== undefined && customerIdPattern.test(customerText) ? customerText : undefined;
  const pageIndex = pageNumber(query);
  const businessId = signedIn.principal.businessId;
  const listed = await services.subscriptions.list(businessId, { status, customerId, pageNumber: pageIndex, pageSize: subscriptionsPageSize });
  // pageSize 1: its page number is the offset, so this reads the first subscription of the next page.
  const next = await services.subscriptions.list(businessId, { status, customerId, pageNumber: (pageIndex + 1) * subscriptionsPageSize, pageSize: 1 });
  const items = listed.ok ? listed.value.items : [];
  const path = '/dashboard/subscriptions';
  const pagerQuery = { status, customer_id: customerId };
  const caption = `Subscriptions${status ? ` with status ${label(status)}` : ''}${customerId ? ` of ${customerId}` : ''}, newest first, page ${pageIndex + 1}`;
  const results = html`<section id="subscription-results" aria-live="polite">
${items.length === 0 ? html`<p>No subscriptions${status || customerId ? ' match' : ' yet'}.</p>` : tableRegion('Subscriptions', html`<table><caption>${caption}</caption>${head(true)}<tbody>${rows(items, true)}</tbody></table>`)}
${pager({
  label: 'Subscription pages',
  previous: pageIndex > 0 ? withQuery(path, { ...pagerQuery, page: pageIndex - 1 || undefined }) : undefined,
  next: next.ok && next.value.items.length > 0 ? withQuery(path, { ...pagerQuery, page: pageIndex + 1 }) : undefined,
})}
</section>`;
  if (signedIn.htmx && signedIn.target === 'subscription-results') return { body: results };
  const options = [html`<option value="">All</option>`, ...subscriptionStatuses.map((s) => html`<option value="${s}"${s === status ? ' selected' : ''}>${label(s)}</option>`)];
  const body = html`<h1>Subscriptions</h1>
<p>Subscriptions bill each period from the wallet first, then the payment method (docs/billing.md); they are created and changed through the API.</p>
<form class="filters" method="get" action="${path}" hx-get="${path}" hx-target="#subscription-results" hx-select="#subscription-results" hx-swap="outerHTML" hx-push-url="true">
<p><label for="subscription-status">Status</label><select id="subscription-status" name="status">${options}</select></p>
${customerId ? html`<p><label for="subscription-customer">Customer</label><input id="subscription-customer" name="customer_id" value="${customerId}" maxlength="64" autocomplete="off"></p>` : ''}
<p><button type="submit">Filter</button></p>
</form>
${results}`;
  return { body: page({ title: 'Subscriptions', area: 'subscriptions', viewer: signedIn.viewer, body }) };
}

/** The customer page's subscriptions: the newest few, with a link to all of them. */
export async function subscriptionsSection(services: DashboardServices, businessId: string, customerId: string): Promise<SafeHtml> {
  const listed = await services.subscriptions.list(businessId, { customerId, pageNumber: 0, pageSize: customerSectionRowsMax });
  const items = listed.ok ? listed.value.items : [];
  return html`<section id="subscriptions" aria-labelledby="subscriptions-heading">
<h2 id="subscriptions-heading">Subscriptions</h2>
${items.length === 0 ? html`<p>No subscriptions.</p>` : tableRegion('Subscriptions of this customer', html`<table><caption>Subscriptions, newest first</caption>${head(false)}<tbody>${rows(items, false)}</tbody></table>`)}
<p><a href="${withQuery('/dashboard/subscriptions', { customer_id: customerId })}">All subscriptions of this customer</a></p>
</section>`;
}
