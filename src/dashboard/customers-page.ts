// Customers: the list with search by email (exact) or name (contains), paged, through CustomerService.list.
import type { WireCustomer } from '../customers/customer-service.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field, pageNumber } from './context.ts';
import { html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';

export const customersPageSize = 20;
const path = '/dashboard/customers';

export async function customersPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  // Control characters are dropped: the API refuses them in a filter, and nobody types them on purpose.
  const search = (field(query, 'q', 254) ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const pageIndex = pageNumber(query);
  // An address (it has an @) is matched exactly, as the API's email filter does; anything else is part of a name.
  const filter = search === '' ? {} : search.includes('@') ? { email: search } : { name: search };
  const businessId = signedIn.principal.businessId;
  const { items } = await services.customers.list(businessId, { ...filter, page_size: customersPageSize, page_number: pageIndex });
  // Whether a next page exists: one customer asked for at the first position after this page.
  const more = (await services.customers.list(businessId, { ...filter, page_size: 1, page_number: (pageIndex + 1) * customersPageSize })).items.length > 0;
  const results = resultsFragment(items, search, pageIndex, more);
  if (signedIn.htmx && signedIn.target === 'customer-results') return { body: results };
  const body = html`<h1>Customers</h1>
<form class="search" method="get" action="${path}" role="search" hx-get="${path}" hx-target="#customer-results" hx-select="#customer-results" hx-swap="outerHTML" hx-push-url="true" hx-trigger="submit, input changed delay:300ms from:#customer-search">
<label for="customer-search">Search customers</label>
<input id="customer-search" name="q" type="search" value="${search}" maxlength="254" autocomplete="off" aria-describedby="customer-search-hint">
<button type="submit">Search</button>
<p id="customer-search-hint" class="hint">An email address (matched exactly) or part of a name.</p>
</form>
${results}`;
  return { body: page({ title: 'Customers', area: 'customers', viewer: signedIn.viewer, body }) };
}

function resultsFragment(items: WireCustomer[], search: string, pageIndex: number, more: boolean) {
  const rows = items.map(
    (customer) => html`<tr><td><a href="${`${path}/${encodeURIComponent(customer.customer_id)}`}">${customer.name}</a></td><td>${customer.email}</td><td>${when(customer.created_at)}</td></tr>`,
  );
  const table =
    items.length === 0
      ? html`<p>${search ? html`No customer matches “${search}”.` : 'No customers yet.'}</p>`
      : tableRegion('Customers', html`<table><caption>Customers${search ? html` matching “${search}”` : ''}, page ${pageIndex + 1}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table>`);
  return html`<section id="customer-results" aria-live="polite">
${table}
${pager({
  label: 'Customer pages',
  previous: pageIndex > 0 ? withQuery(path, { q: search, page: pageIndex - 1 || undefined }) : undefined,
  next: more ? withQuery(path, { q: search, page: pageIndex + 1 }) : undefined,
})}
</section>`;
}
