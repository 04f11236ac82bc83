// Invoices and payments of the business (BillingService): paged lists filtered by status and customer, an invoice's
// page with its line items, its latest payment and that payment's PDF, the Void button, and the PDF itself.
import { invoicePdf } from '../billing/invoice-pdf.ts';
import type { WireInvoice } from '../billing/billing-wire.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field, pageNumber } from './context.ts';
import { invoiceHead, invoicePath, invoiceRows, paymentHead, paymentPdfPath, paymentRows } from './customer-sections.ts';
import { type SafeHtml, html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';
import { formatMoney } from './money-text.ts';

export const billingPageSize = 25;
export const invoiceStatuses = ['open', 'processing', 'paid', 'void'] as const satisfies readonly WireInvoice['status'][];
export const paymentStatuses = ['processing', 'succeeded', 'failed'] as const;
const customerIdPattern = /^cus_[0-9A-Za-z]{1,60}$/;

interface ListFilter {
  status?: string;
  customerId?: string;
  page: number;
}

function readFilter(query: unknown, statuses: readonly string[]): ListFilter {
  const status = field(query, 'status', 20);
  const customerId = field(query, 'customer_id', 64);
  return {
    status: status !== undefined && statuses.includes(status) ? status : undefined,
    customerId: customerId !== undefined && customerIdPattern.test(customerId) ? customerId : undefined,
    page: pageNumber(query),
  };
}

function filterForm(path: string, target: string, statuses: readonly string[], filter: ListFilter): SafeHtml {
  const options = [html`<option value="">All</option>`, ...statuses.map((s) => html`<option value="${s}"${s === filter.status ? ' selected' : ''}>${s}</option>`)];
  return html`<form class="filters" method="get" action="${path}" hx-get="${path}" hx-target="#${target}" hx-select="#${target}" hx-swap="outerHTML" hx-push-url="true">
<p><label for="${`${target}-status`}">Status</label><select id="${`${target}-status`}" name="status">${options}</select></p>
${filter.customerId ? html`<p><label for="${`${target}-customer`}">Customer</label><input id="${`${target}-customer`}" name="customer_id" value="${filter.customerId}" maxlength="64" autocomplete="off"></p>` : ''}
<p><button type="submit">Filter</button></p>
</form>`;
}

function listPager(path: string, filter: ListFilter, more: boolean, label: string): SafeHtml {
  const query = { status: filter.status, customer_id: filter.customerId };
  return pager({
    label,
    previous: filter.page > 0 ? withQuery(path, { ...query, page: filter.page - 1 || undefined }) : undefined,
    next: more ? withQuery(path, { ...query, page: filter.page + 1 }) : undefined,
  });
}

const caption = (noun: string, filter: ListFilter) =>
  `${noun}${filter.status ? ` with status ${filter.status}` : ''}${filter.customerId ? ` of ${filter.customerId}` : ''}, newest first, page ${filter.page + 1}`;

export async function invoicesPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const filter = readFilter(query, invoiceStatuses);
  const businessId = signedIn.principal.businessId;
  const base = { status: filter.status, customerId: filter.customerId };
  const listed = await services.billing.listInvoices(businessId, { ...base, pageNumber: filter.page, pageSize: billingPageSize });
  const next = await services.billing.listInvoices(businessId, { ...base, pageNumber: (filter.page + 1) * billingPageSize, pageSize: 1 });
  const items = listed.ok ? listed.value.items : [];
  const path = '/dashboard/invoices';
  const results = html`<section id="invoice-results" aria-live="polite">
${items.length === 0 ? html`<p>No invoices${filter.status || filter.customerId ? ' match' : ' yet'}.</p>` : tableRegion('Invoices', html`<table><caption>${caption('Invoices', filter)}</caption>${invoiceHead(true)}<tbody>${invoiceRows(items, true)}</tbody></table>`)}
${listPager(path, filter, next.ok && next.value.items.length > 0, 'Invoice pages')}
</section>`;
  if (signedIn.htmx && signedIn.target === 'invoice-results') return { body: results };
  const body = html`<h1>Invoices</h1>
<p>Invoices are created and paid through the API (docs/billing.md): the wallet pays first, the customer's payment method the rest.</p>
${filterForm(path, 'invoice-results', invoiceStatuses, filter)}
${results}`;
  return { body: page({ title: 'Invoices', area: 'invoices', viewer: signedIn.viewer, body }) };
}

export async function paymentsPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const filter = readFilter(query, paymentStatuses);
  const businessId = signedIn.principal.businessId;
  const base = { status: filter.status, customerId: filter.customerId };
  const listed = await services.billing.listPayments(businessId, { ...base, pageNumber: filter.page, pageSize: billingPageSize });
  const next = await services.billing.listPayments(businessId, { ...base, pageNumber: (filter.page + 1) * billingPageSize, pageSize: 1 });
  const items = listed.ok ? listed.value.items : [];
  const path = '/dashboard/payments';
  const results = html`<section id="payment-results" aria-live="polite">
${items.length === 0 ? html`<p>No payments${filter.status || filter.customerId ? ' match' : ' yet'}.</p>` : tableRegion('Payments', html`<table><caption>${caption('Payments', filter)}</caption>${paymentHead(true)}<tbody>${paymentRows(items, true)}</tbody></table>`)}
${listPager(path, filter, next.ok && next.value.items.length > 0, 'Payment pages')}
</section>`;
  if (signedIn.htmx && signedIn.target === 'payment-results') return { body: results };
  const body = html`<h1>Payments</h1>
<p>One payment per attempt to pay an invoice: what the wallet paid, what was charged to the payment method, and the invoice as a PDF.</p>
${filterForm(path, 'payment-results', paymentStatuses, filter)}
${results}`;
  return { body: page({ title: 'Payments', area: 'payments', viewer: signedIn.viewer, body }) };
}

/** One invoice: its line items, wallet rule, state and latest payment; `message` reports a Void just asked for. */
export async function invoicePage(services: DashboardServices, signedIn: SignedIn, invoiceId: string, message: { error?: string; notice?: string } = {}, status = 200): Promise<PageAnswer> {
  const businessId = signedIn.principal.businessId;
  const found = await services.billing.getInvoice(businessId, invoiceId);
  if (!found.ok) {
    const body = html`<h1>Invoice not found</h1><p>${found.message}.</p><p><a href="/dashboard/invoices">Back to invoices</a></p>`;
    return { status: status === 200 ? 404 : status, body: page({ title: 'Invoice not found', area: 'invoices', viewer: signedIn.viewer, body }) };
  }
  const invoice = found.value;
  const latest = invoice.payment_id ? await services.billing.getPayment(businessId, invoice.payment_id) : undefined;
  const money = (amount: number) => formatMoney(amount, invoice.currency);
  const items = invoice.line_items.map((item) => html`<tr><td>${item.description}</td><td class="num">${money(item.amount)}</td></tr>`);
  const wallet = invoice.wallet.mode === 'cap' && invoice.wallet.cap_amount !== null ? `up to ${money(invoice.wallet.cap_amount)}` : invoice.wallet.mode === 'never' ? 'never' : 'as much as it holds';
  const action = `${invoicePath(invoice.invoice_id)}/void`;
  const voidForm =
    invoice.status === 'open'
      ? html`<form method="post" action="${action}" hx-post="${action}" hx-target="#main" hx-select="#main" hx-swap="outerHTML" hx-disabled-elt="find button"><input type="hidden" name="_csrf" value="${signedIn.viewer.csrfToken}"><p><button type="submit">Void invoice</button></p></form>`
      : '';
  const payment = latest?.ok ? latest.value : undefined;
  const body = html`<p class="crumbs"><a href="/dashboard/invoices">Invoices</a></p>
<h1>Invoice ${invoice.invoice_id}</h1>
<p class="meta"><a href="${`/dashboard/customers/${encodeURIComponent(invoice.customer_id)}`}">${invoice.customer_id}</a> · created ${when(invoice.created_at)} · <strong>${invoice.status}</strong>${invoice.paid_at ? ` · paid ${when(invoice.paid_at)}` : ''}</p>
<dl class="facts">
<div><dt>Total</dt><dd data-testid="invoice-total">${money(invoice.total_amount)}</dd></div>
<div><dt>Paid from the wallet</dt><dd>${wallet}</dd></div>
<div><dt>Attempts</dt><dd>${invoice.attempt_count}</dd></div>
${invoice.last_failure ? html`<div><dt>Last failure</dt><dd>${invoice.last_failure.code}: ${invoice.last_failure.message}</dd></div>` : ''}
</dl>
<h2>Line items</h2>
${tableRegion('Line items', html`<table><caption>Line items</caption><thead><tr><th scope="col">Description</th><th scope="col">Amount</th></tr></thead><tbody>${items}</tbody>
<tfoot><tr><th scope="row">Total</th><td class="num">${money(invoice.total_amount)}</td></tr></tfoot></table>`)}
<h2>Latest payment</h2>
${payment
  ? html`<p><code>${payment.payment_id}</code> · ${payment.status} · ${money(payment.wallet_amount)} from the wallet, ${money(payment.method_amount)} charged${payment.error_message ? ` · ${payment.error_message}` : ''}</p>
<p><a href="${paymentPdfPath(payment.payment_id)}">Invoice PDF of payment ${payment.payment_id}</a></p>`
  : html`<p>Not paid yet: no payment was attempted.</p>`}
<h2>Actions</h2>
${signedIn.viewer.readOnly ? html`<p class="notice">This API key is read-only: voiding is refused.</p>` : ''}
${invoice.status === 'open' ? html`<p class="hint">Voiding an open invoice means it will never be paid; nothing is charged or refunded.</p>` : html`<p class="hint">Only an open invoice can be voided; this one is ${invoice.status}.</p>`}
<div id="invoice-message" aria-live="polite">${message.error ? html`<p class="error" role="alert">${message.error}</p>` : ''}${message.notice ? html`<p class="success" role="status">${message.notice}</p>` : ''}</div>
${voidForm}`;
  return { status, body: page({ title: `Invoice ${invoice.invoice_id}`, area: 'invoices', viewer: signedIn.viewer, body }) };
}

export async function voidInvoiceAction(services: DashboardServices, signedIn: SignedIn, invoiceId: string): Promise<PageAnswer> {
  if (signedIn.viewer.readOnly) {
    return invoicePage(services, signedIn, invoiceId, { error: 'Refused: this API key is read-only, so it cannot void an invoice. Sign in with a read-write key.' }, 403);
  }
  const result = await services.billing.voidInvoice(signedIn.principal.businessId, invoiceId);
  if (!result.ok) return invoicePage(services, signedIn, invoiceId, { error: `Refused: ${result.message}.` }, result.code === 'INVOICE_NOT_FOUND' ? 404 : 409);
  return invoicePage(services, signedIn, invoiceId, { notice: `Invoice ${invoiceId} is void: it will not be paid.` });
}

/** The PDF of one payment's invoice, as GET /invoices/payments/{payment_id} answers it; undefined when not found. */
export async function paymentPdf(services: DashboardServices, signedIn: SignedIn, paymentId: string): Promise<{ fileName: string; pdf: Buffer } | undefined> {
  const document = await services.billing.paymentDocument(signedIn.principal.businessId, paymentId);
  if (!document.ok) return undefined;
  return { fileName: `${document.value.payment.payment_id}.pdf`, pdf: await invoicePdf(document.value.invoice, document.value.payment) };
}
