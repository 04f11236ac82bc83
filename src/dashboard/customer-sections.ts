// The customer page's lots, holds (with a Release button), invoices and payments, each read through its service.
import type { WireInvoice, WirePayment } from '../billing/billing-wire.ts';
import type { WireLot } from '../credits/lot-service.ts';
import type { WireHold } from '../holds/hold-wire.ts';
import type { DashboardServices, SignedIn } from './context.ts';
import { type SafeHtml, html } from './html.ts';
import { tableRegion, when, withQuery } from './layout.ts';
import { formatMoney } from './money-text.ts';

/** How many of each the customer page shows (newest first); the business pages and the API list the rest. */
export const customerSectionRowsMax = 10;

export const invoicePath = (invoiceId: string) => `/dashboard/invoices/${encodeURIComponent(invoiceId)}`;
export const paymentPath = (paymentId: string) => `/dashboard/payments/${encodeURIComponent(paymentId)}`;
export const paymentPdfPath = (paymentId: string) => `/dashboard/payments/${encodeURIComponent(paymentId)}/invoice.pdf`;
export const holdReleasePath = (customerPath: string, holdId: string) => `${customerPath}/holds/${encodeURIComponent(holdId)}/release`;

const label = (text: string) => text.replaceAll('_', ' ');

export async function lotsSection(services: DashboardServices, businessId: string, customerId: string): Promise<SafeHtml> {
  const listed = await services.lots.listLots(businessId, customerId, { pageNumber: 0, pageSize: customerSectionRowsMax });
  const lots: WireLot[] = listed.ok ? listed.value.items : [];
  const rows = lots.map(
    (lot) => html`<tr><td>${when(lot.created_at)}</td><td>${lot.currency}</td><td>${lot.category}</td><td class="num">${formatMoney(lot.amount, lot.currency)}</td>
<td class="num">${formatMoney(lot.remaining_amount, lot.currency)}</td><td class="num">${formatMoney(lot.expired_amount, lot.currency)}</td><td>${lot.expires_at ? when(lot.expires_at) : 'never'}</td><td>${lot.status}</td></tr>`,
  );
  return html`<section id="lots" aria-labelledby="lots-heading">
<h2 id="lots-heading">Credit lots</h2>
<p class="hint">Each credit is a lot, spent in consumption order (promotional before paid, soonest expiry first); the ${customerSectionRowsMax} newest.</p>
${lots.length === 0 ? html`<p>No lots.</p>` : tableRegion('Credit lots', html`<table><caption>Credit lots, newest first</caption>
<thead><tr><th scope="col">Created</th><th scope="col">Currency</th><th scope="col">Category</th><th scope="col">Amount</th><th scope="col">Remaining</th><th scope="col">Expired</th><th scope="col">Expires</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
</section>`;
}

export async function holdsSection(services: DashboardServices, signedIn: SignedIn, customerPath: string, customerId: string, message: { error?: string; notice?: string } = {}): Promise<SafeHtml> {
  const listed = await services.holds.list(signedIn.principal.businessId, customerId, { pageNumber: 0, pageSize: customerSectionRowsMax });
  const holds: WireHold[] = listed.ok ? listed.value.items : [];
  const release = (hold: WireHold) => {
    if (hold.status !== 'active') return '';
    const action = holdReleasePath(customerPath, hold.id);
    return html`<form method="post" action="${action}" hx-post="${action}" hx-target="#customer-main" hx-select="#customer-main" hx-swap="outerHTML" hx-disabled-elt="find button"><input type="hidden" name="_csrf" value="${signedIn.viewer.csrfToken}"><button type="submit" aria-label="${`Release hold ${hold.id}`}">Release</button></form>`;
  };
  const rows = holds.map(
    (hold) => html`<tr><td>${when(hold.created_at)}</td><td><code>${hold.id}</code></td><td class="num">${formatMoney(hold.amount, hold.currency)}</td><td class="num">${formatMoney(hold.captured_amount, hold.currency)}</td>
<td>${hold.status}</td><td>${hold.reason ?? ''}</td><td>${hold.expires_at ? when(hold.expires_at) : 'never'}</td><td>${release(hold)}</td></tr>`,
  );
  return html`<section id="holds" aria-labelledby="holds-heading">
<h2 id="holds-heading">Holds</h2>
<p class="hint">Money reserved from the balance until it is captured or released; the ${customerSectionRowsMax} newest.${signedIn.viewer.readOnly ? ' This API key is read-only: releases are refused.' : ''}</p>
<div id="hold-message" aria-live="polite">${message.error ? html`<p class="error" role="alert">${message.error}</p>` : ''}${message.notice ? html`<p class="success" role="status">${message.notice}</p>` : ''}</div>
${holds.length === 0 ? html`<p>No holds.</p>` : tableRegion('Holds', html`<table><caption>Holds, newest first</caption>
<thead><tr><th scope="col">Placed</th><th scope="col">Hold</th><th scope="col">Amount</th><th scope="col">Captured</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Expires</th><th scope="col">Action</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
</section>`;
}

export function invoiceRows(invoices: readonly WireInvoice[], showCustomer: boolean): SafeHtml[] {
  return invoices.map(
    (invoice) => html`<tr><td><a href="${invoicePath(invoice.invoice_id)}">${invoice.invoice_id}</a></td>${showCustomer ? html`<td><a href="${`/dashboard/customers/${encodeURIComponent(invoice.customer_id)}`}">${invoice.customer_id}</a></td>` : ''}
<td>${when(invoice.created_at)}</td><td class="num">${formatMoney(invoice.total_amount, invoice.currency)}</td><td>${label(invoice.status)}</td><td>${invoice.last_failure ? invoice.last_failure.message : ''}</td></tr>`,
  );
}

export function paymentRows(payments: readonly WirePayment[], showCustomer: boolean): SafeHtml[] {
  return payments.map(
    (payment) => html`<tr><td><a href="${paymentPath(payment.payment_id)}">${payment.payment_id}</a></td>${showCustomer ? html`<td><a href="${`/dashboard/customers/${encodeURIComponent(payment.customer.customer_id)}`}">${payment.customer.name}</a></td>` : ''}
<td>${when(payment.created_at)}</td><td class="num">${formatMoney(payment.total_amount, payment.currency)}</td><td class="num">${formatMoney(payment.wallet_amount, payment.currency)}</td><td class="num">${formatMoney(payment.method_amount, payment.currency)}</td>
<td>${payment.status}</td>${
      payment.invoice_id === null
        ? html`<td>Top-up</td><td></td>`
        : html`<td><a href="${invoicePath(payment.invoice_id)}">${payment.invoice_id}</a></td><td><a href="${paymentPdfPath(payment.payment_id)}" aria-label="${`Invoice PDF of payment ${payment.payment_id}`}">PDF</a></td>`
    }</tr>`,
  );
}

export const invoiceHead = (showCustomer: boolean) =>
  html`<thead><tr><th scope="col">Invoice</th>${showCustomer ? html`<th scope="col">Customer</th>` : ''}<th scope="col">Created</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">Last failure</th></tr></thead>`;
export const paymentHead = (showCustomer: boolean) =>
  html`<thead><tr><th scope="col">Payment</th>${showCustomer ? html`<th scope="col">Customer</th>` : ''}<th scope="col">Created</th><th scope="col">Total</th><th scope="col">From the wallet</th><th scope="col">Charged</th><th scope="col">Status</th><th scope="col">Invoice</th><th scope="col">Document</th></tr></thead>`;

export async function billingSection(services: DashboardServices, businessId: string, customerId: string): Promise<SafeHtml> {
  const page = { pageNumber: 0, pageSize: customerSectionRowsMax, customerId };
  const invoices = await services.billing.listInvoices(businessId, page);
  const payments = await services.billing.listPayments(businessId, page);
  const invoiceItems = invoices.ok ? invoices.value.items : [];
  const paymentItems = payments.ok ? payments.value.items : [];
  return html`<section id="billing" aria-labelledby="billing-heading">
<h2 id="billing-heading">Invoices and payments</h2>
<h3>Invoices</h3>
${invoiceItems.length === 0 ? html`<p>No invoices.</p>` : tableRegion('Invoices of this customer', html`<table><caption>Invoices, newest first</caption>${invoiceHead(false)}<tbody>${invoiceRows(invoiceItems, false)}</tbody></table>`)}
<p><a href="${withQuery('/dashboard/invoices', { customer_id: customerId })}">All invoices of this customer</a></p>
<h3>Payments</h3>
${paymentItems.length === 0 ? html`<p>No payments.</p>` : tableRegion('Payments of this customer', html`<table><caption>Payments, newest first</caption>${paymentHead(false)}<tbody>${paymentRows(paymentItems, false)}</tbody></table>`)}
<p><a href="${withQuery('/dashboard/payments', { customer_id: customerId })}">All payments of this customer</a></p>
</section>`;
}
