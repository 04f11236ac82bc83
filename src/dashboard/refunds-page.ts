// Refunds and disputes (RefundService, DisputeService): the Refunds page (paged, filtered by status and customer), a
// refund's page with its wallet and card parts, a payment's page with its refunds, its disputes (open, won, lost, the
// shortfall) and the Refund form. The Refund button goes through RefundService.create, the only refund path.
import type { WirePayment } from '../billing/billing-wire.ts';
import type { WireRefund } from '../billing/refund-service.ts';
import { randomBase62 } from '../shared/ids.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field, pageNumber } from './context.ts';
import { customerPath } from './customer-page.ts';
import { invoicePath, paymentPath, paymentPdfPath } from './customer-sections.ts';
import { disputesOfPayment } from './dashboard-repo.ts';
import { type SafeHtml, html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';
import { formatMoney, parseMoney } from './money-text.ts';

export const refundsPageSize = 25;
export const refundStatuses = ['pending', 'succeeded', 'failed'] as const satisfies readonly WireRefund['status'][];
/** The metadata field a dashboard refund carries its form's key in: a resent form finds the refund it made. */
export const dashboardFormKeyField = 'dashboard_form_key';
/** Most refunds of one payment the form looks through for its key (a payment is refunded a few times at most). */
export const refundsOfPaymentMax = 500;
export const refundReasonLengthMax = 500;
const idempotencyKeyPattern = /^dash_[0-9A-Za-z]{24}$/;
const customerIdPattern = /^cus_[0-9A-Za-z]{1,60}$/;

export const refundPath = (refundId: string) => `/dashboard/refunds/${encodeURIComponent(refundId)}`;

const destinationText = (refund: WireRefund) => (refund.destination === 'wallet' ? 'all to the wallet' : 'as paid (wallet part to the wallet, card part to the card)');
const cardStatusText: Record<WireRefund['card_status'], string> = {
  none: 'nothing to the card',
  pending: 'pending (the processor is being asked)',
  succeeded: 'refunded to the card',
  failed_to_wallet: 'the processor refused it: credited to the wallet instead',
};

interface RefundFilter {
  status?: string;
  customerId?: string;
  page: number;
}

function readFilter(query: unknown): RefundFilter {
  const status = field(query, 'status', 20);
  const customerId = field(query, 'customer_id', 64);
  return {
    status: status !== undefined && (refundStatuses as readonly string[]).includes(status) ? status : undefined,
    customerId: customerId !== undefined && customerIdPattern.test(customerId) ? customerId : undefined,
    page: pageNumber(query),
  };
}

const refundHead = (showCustomer: boolean) =>
  html`<thead><tr><th scope="col">Refund</th>${showCustomer ? html`<th scope="col">Customer</th>` : ''}<th scope="col">Created</th><th scope="col">Payment</th><th scope="col">Amount</th><th scope="col">To the wallet</th><th scope="col">To the card</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>`;

function refundRows(refunds: readonly WireRefund[], showCustomer: boolean): SafeHtml[] {
  const money = (refund: WireRefund, amount: number) => formatMoney(amount, refund.currency);
  return refunds.map(
    (refund) => html`<tr><td><a href="${refundPath(refund.refund_id)}">${refund.refund_id}</a></td>${showCustomer ? html`<td><a href="${customerPath(refund.customer.customer_id)}">${refund.customer.name}</a></td>` : ''}
<td>${when(refund.created_at)}</td><td><a href="${paymentPath(refund.payment_id)}">${refund.payment_id}</a></td><td class="num">${money(refund, refund.amount)}</td>
<td class="num">${money(refund, refund.wallet_amount)}</td><td class="num">${money(refund, refund.card_amount)}</td><td>${refund.status}</td><td>${refund.reason ?? ''}</td></tr>`,
  );
}

export async function refundsPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const filter = readFilter(query);
  const businessId = signedIn.principal.businessId;
  const base = { status: filter.status, customerId: filter.customerId };
  const listed = await services.refunds.list(businessId, { ...base, pageNumber: filter.page, pageSize: refundsPageSize });
  // pageSize 1: its page number is the offset, so this reads the first refund of the next page.
  const next = await services.refunds.list(businessId, { ...base, pageNumber: (filter.page + 1) * refundsPageSize, pageSize: 1 });
  const items = listed.ok ? listed.value.items : [];
  const path = '/dashboard/refunds';
  const captionText = `Refunds${filter.status ? ` with status ${filter.status}` : ''}${filter.customerId ? ` of ${filter.customerId}` : ''}, newest first, page ${filter.page + 1}`;
  const pagerQuery = { status: filter.status, customer_id: filter.customerId };
  const results = html`<section id="refund-results" aria-live="polite">
${items.length === 0 ? html`<p>No refunds${filter.status || filter.customerId ? ' match' : ' yet'}.</p>` : tableRegion('Refunds', html`<table><caption>${captionText}</caption>${refundHead(true)}<tbody>${refundRows(items, true)}</tbody></table>`)}
${pager({
  label: 'Refund pages',
  previous: filter.page > 0 ? withQuery(path, { ...pagerQuery, page: filter.page - 1 || undefined }) : undefined,
  next: next.ok && next.value.items.length > 0 ? withQuery(path, { ...pagerQuery, page: filter.page + 1 }) : undefined,
})}
</section>`;
  if (signedIn.htmx && signedIn.target === 'refund-results') return { body: results };
  const options = [html`<option value="">All</option>`, ...refundStatuses.map((s) => html`<option value="${s}"${s === filter.status ? ' selected' : ''}>${s}</option>`)];
  const body = html`<h1>Refunds</h1>
<p>Refunds of payments, to the wallet or as paid (docs/refunds.md). To refund a payment, open it from the <a href="/dashboard/payments">Payments</a> page.</p>
<form class="filters" method="get" action="${path}" hx-get="${path}" hx-target="#refund-results" hx-select="#refund-results" hx-swap="outerHTML" hx-push-url="true">
<p><label for="refund-status">Status</label><select id="refund-status" name="status">${options}</select></p>
${filter.customerId ? html`<p><label for="refund-customer">Customer</label><input id="refund-customer" name="customer_id" value="${filter.customerId}" maxlength="64" autocomplete="off"></p>` : ''}
<p><button type="submit">Filter</button></p>
</form>
${results}`;
  return { body: page({ title: 'Refunds', area: 'refunds', viewer: signedIn.viewer, body }) };
}

export async function refundPage(services: DashboardServices, signedIn: SignedIn, refundId: string): Promise<PageAnswer> {
  const found = await services.refunds.get(signedIn.principal.businessId, refundId);
  if (!found.ok) {
    const body = html`<h1>Refund not found</h1><p>${found.message}.</p><p><a href="/dashboard/refunds">Back to refunds</a></p>`;
    return { status: 404, body: page({ title: 'Refund not found', area: 'refunds', viewer: signedIn.viewer, body }) };
  }
  const refund = found.value;
  const money = (amount: number) => formatMoney(amount, refund.currency);
  const body = html`<p class="crumbs"><a href="/dashboard/refunds">Refunds</a></p>
<h1>Refund ${refund.refund_id}</h1>
<p class="meta"><a href="${customerPath(refund.customer.customer_id)}">${refund.customer.name}</a> · created ${when(refund.created_at)} · <strong data-testid="refund-status">${refund.status}</strong></p>
<dl class="facts">
<div><dt>Amount</dt><dd data-testid="refund-amount">${money(refund.amount)}${refund.is_partial ? ' (part of the payment)' : ' (the whole payment)'}</dd></div>
<div><dt>Payment</dt><dd><a href="${paymentPath(refund.payment_id)}">${refund.payment_id}</a></dd></div>
<div><dt>Destination</dt><dd>${destinationText(refund)}</dd></div>
<div><dt>To the wallet</dt><dd data-testid="refund-wallet">${money(refund.wallet_amount)}</dd></div>
<div><dt>To the card</dt><dd data-testid="refund-card">${money(refund.card_amount)} · ${cardStatusText[refund.card_status]}</dd></div>
${refund.error_code ? html`<div><dt>Error</dt><dd>${refund.error_code}</dd></div>` : ''}
<div><dt>Reason</dt><dd>${refund.reason ?? 'none given'}</dd></div>
</dl>
<p class="hint">Each wallet part is a ledger entry with event type refund whose reference is this refund; it is on the <a href="${withQuery(customerPath(refund.customer.customer_id), { event_type: 'refund' })}">customer's ledger</a>.</p>`;
  return { body: page({ title: `Refund ${refund.refund_id}`, area: 'refunds', viewer: signedIn.viewer, body }) };
}

/** What the Refund form shows after a submit: the values typed (kept on an error) and a message. */
export interface RefundFormState {
  amount?: string;
  destination?: string;
  reason?: string;
  error?: string;
  notice?: string;
}

const refundableOf = (payment: WirePayment) => (payment.status === 'succeeded' ? payment.wallet_amount + payment.method_amount - payment.refunded_amount : 0);

/** One payment: its amounts, its refunds and disputes, and the Refund form. */
export async function paymentPage(services: DashboardServices, signedIn: SignedIn, paymentId: string, form: RefundFormState = {}, status = 200): Promise<PageAnswer> {
  const businessId = signedIn.principal.businessId;
  const found = await services.billing.getPayment(businessId, paymentId);
  if (!found.ok) {
    const body = html`<h1>Payment not found</h1><p>${found.message}.</p><p><a href="/dashboard/payments">Back to payments</a></p>`;
    return { status: status === 200 ? 404 : status, body: page({ title: 'Payment not found', area: 'payments', viewer: signedIn.viewer, body }) };
  }
  const payment = found.value;
  const money = (amount: number) => formatMoney(amount, payment.currency);
  const refunds = await services.refunds.list(businessId, { paymentId: payment.payment_id, pageNumber: 0, pageSize: refundsOfPaymentMax });
  const refundItems = refunds.ok ? refunds.value.items : [];
  const disputes = await disputesOfPayment(services.db, businessId, payment.payment_id);
  const refundable = refundableOf(payment);
  const disputeRows = disputes.map(
    (dispute) => html`<tr><td><code>${dispute.dispute_id}</code></td><td>${when(dispute.created_at)}</td><td>${dispute.kind}</td><td data-testid="${`dispute-status-${dispute.dispute_id}`}">${dispute.status}</td>
<td class="num">${money(dispute.amount)}</td><td class="num">${money(dispute.held_amount)}</td><td class="num">${money(dispute.taken_amount)}</td><td class="num" data-testid="${`dispute-shortfall-${dispute.dispute_id}`}">${money(dispute.shortfall_amount)}</td><td>${dispute.reason ?? ''}</td></tr>`,
  );
  const body = html`<p class="crumbs"><a href="/dashboard/payments">Payments</a></p>
<h1>Payment ${payment.payment_id}</h1>
<p class="meta"><a href="${customerPath(payment.customer.customer_id)}">${payment.customer.name}</a> · created ${when(payment.created_at)} · <strong>${payment.status}</strong> · ${payment.kind === 'top_up' ? 'a top-up' : html`invoice <a href="${invoicePath(payment.invoice_id ?? '')}">${payment.invoice_id}</a>`}</p>
<dl class="facts">
<div><dt>Total</dt><dd>${money(payment.total_amount)}</dd></div>
<div><dt>From the wallet</dt><dd>${money(payment.wallet_amount)}</dd></div>
<div><dt>Charged</dt><dd>${money(payment.method_amount)}</dd></div>
<div><dt>Refunded</dt><dd data-testid="payment-refunded">${money(payment.refunded_amount)}</dd></div>
<div><dt>Left to refund</dt><dd data-testid="payment-refundable">${money(refundable)}</dd></div>
${payment.error_message ? html`<div><dt>Failure</dt><dd>${payment.error_message}</dd></div>` : ''}
</dl>
${payment.invoice_id !== null ? html`<p><a href="${paymentPdfPath(payment.payment_id)}">Invoice PDF of payment ${payment.payment_id}</a></p>` : ''}
<section id="payment-refunds" aria-labelledby="payment-refunds-heading">
<h2 id="payment-refunds-heading">Refunds</h2>
${refundItems.length === 0 ? html`<p>No refunds.</p>` : tableRegion('Refunds of this payment', html`<table><caption>Refunds of this payment, newest first</caption>${refundHead(false)}<tbody>${refundRows(refundItems, false)}</tbody></table>`)}
</section>
<section id="payment-disputes" aria-labelledby="payment-disputes-heading">
<h2 id="payment-disputes-heading">Disputes</h2>
<p class="hint">A dispute holds what the wallet has of the disputed amount; lost, the hold is taken; won, it is released. What the wallet could not cover is the shortfall.</p>
${disputes.length === 0 ? html`<p>No disputes.</p>` : tableRegion('Disputes of this payment', html`<table><caption>Disputes of this payment, newest first</caption>
<thead><tr><th scope="col">Dispute</th><th scope="col">Opened</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Amount</th><th scope="col">Held</th><th scope="col">Taken</th><th scope="col">Shortfall</th><th scope="col">Reason</th></tr></thead>
<tbody>${disputeRows}</tbody></table>`)}
</section>
${refundForm(signedIn, payment, refundable, form)}`;
  return { status, body: page({ title: `Payment ${payment.payment_id}`, area: 'payments', viewer: signedIn.viewer, body }) };
}

function refundForm(signedIn: SignedIn, payment: WirePayment, refundable: number, form: RefundFormState): SafeHtml {
  const action = `${paymentPath(payment.payment_id)}/refunds`;
  const topUp = payment.kind === 'top_up';
  const destination = form.destination === 'wallet' && !topUp ? 'wallet' : 'original';
  const message = html`<div id="refund-message" aria-live="polite">${form.error ? html`<p class="error" role="alert">${form.error}</p>` : ''}${form.notice ? html`<p class="success" role="status">${form.notice}</p>` : ''}</div>`;
  const hint =
    payment.status !== 'succeeded'
      ? `Only a succeeded payment can be refunded; this one is ${payment.status}.`
      : refundable === 0
        ? 'This payment is refunded in full.'
        : `Up to ${formatMoney(refundable, payment.currency)} can be refunded.`;
  return html`<section aria-labelledby="refund-heading" class="entry">
<h2 id="refund-heading">Refund</h2>
${signedIn.viewer.readOnly ? html`<p class="notice">This API key is read-only: refunds are refused. Sign in with a read-write key to refund.</p>` : ''}
<p class="hint" id="refund-hint">${hint}${topUp ? ' A top-up is refunded to the card: the credit is taken back out of the wallet first.' : ''}</p>
<form method="post" action="${action}" hx-post="${action}" hx-target="#main" hx-select="#main" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" aria-describedby="refund-hint refund-message">
<input type="hidden" name="_csrf" value="${signedIn.viewer.csrfToken}">
<input type="hidden" name="idempotency_key" value="${`dash_${randomBase62(24)}`}">
<p><label for="refund-amount">Amount (${payment.currency})</label><input id="refund-amount" name="amount" inputmode="decimal" autocomplete="off" required maxlength="32" placeholder="12.34" value="${form.error ? (form.amount ?? '') : ''}"></p>
<fieldset class="kind"><legend>Destination</legend>
<label><input type="radio" name="destination" value="original"${destination === 'original' ? ' checked' : ''}> As paid (wallet part to the wallet, card part to the card)</label>
${topUp ? '' : html`<label><input type="radio" name="destination" value="wallet"${destination === 'wallet' ? ' checked' : ''}> All to the wallet</label>`}
</fieldset>
<p><label for="refund-reason">Reason</label><input id="refund-reason" name="reason" maxlength="${refundReasonLengthMax}" autocomplete="off" value="${form.error ? (form.reason ?? '') : ''}"></p>
<p><button type="submit">Refund</button></p>
${message}
</form>
</section>`;
}

/** POST /dashboard/payments/:id/refunds: the Refund form, through RefundService.create. */
export async function refundAction(services: DashboardServices, signedIn: SignedIn, paymentId: string, body: unknown): Promise<PageAnswer> {
  const amountText = field(body, 'amount', 64) ?? '';
  const destination = field(body, 'destination', 10) ?? 'original';
  const reasonText = (field(body, 'reason', refundReasonLengthMax) ?? '').trim();
  const typed = { amount: amountText, destination, reason: reasonText };
  const refuse = (error: string, status: number) => paymentPage(services, signedIn, paymentId, { ...typed, error }, status);
  if (signedIn.viewer.readOnly) return refuse('Refused: this API key is read-only, so it cannot refund. Sign in with a read-write key.', 403);
  const businessId = signedIn.principal.businessId;
  const found = await services.billing.getPayment(businessId, paymentId);
  if (!found.ok) return refuse(`${found.message}.`, 404);
  const payment = found.value;
  if (destination !== 'original' && destination !== 'wallet') return refuse('Destination: choose "As paid" or "All to the wallet".', 422);
  const amount = parseMoney(amountText, payment.currency);
  if (!amount.ok) return refuse(`Amount: ${amount.message}.`, 422);
  const key = field(body, 'idempotency_key', 64);
  if (key === undefined || !idempotencyKeyPattern.test(key)) return refuse('The form is missing its idempotency key; reload the page and try again.', 422);
  const money = (minor: number) => formatMoney(minor, payment.currency);

  // The form's key is the refund's idempotency key: a form sent again (a double click, a resend, to another process)
  // answers the refund its first send made and refunds nothing more.
  const result = await services.refunds.create(businessId, {
    payment_id: payment.payment_id,
    amount: amount.value,
    destination,
    reason: reasonText === '' ? null : reasonText,
    metadata: { [dashboardFormKeyField]: key },
    idempotency_key: `${dashboardFormKeyField}_${key}`,
  });
  const already = (refund: { refund_id: string; amount: number }) =>
    paymentPage(services, signedIn, paymentId, { notice: `This form was already applied once (refund ${refund.refund_id}, ${money(refund.amount)}); it was not applied again.` });
  if (result.ok) {
    const refund = result.value;
    if ((refund as typeof refund & { replayed?: true }).replayed) return already(refund);
    const parts = [refund.wallet_amount > 0 ? `${money(refund.wallet_amount)} to the wallet` : '', refund.card_amount > 0 ? `${money(refund.card_amount)} to the card` : ''].filter(Boolean).join(', ');
    const notice = `Refund ${refund.refund_id} of ${money(refund.amount)} is ${refund.status}: ${parts}.`;
    return paymentPage(services, signedIn, paymentId, { notice });
  }
  switch (result.code) {
    case 'REFUND_EXCEEDS_PAYMENT': {
      const left = Number(result.details?.refundable_amount ?? 0);
      const why = left === 0 ? 'nothing is left to refund of this payment' : `at most ${money(left)} is left to refund of this payment`;
      return refuse(`Amount: ${why} (you asked for ${money(amount.value)}). Nothing was refunded.`, 400);
    }
    case 'PAYMENT_NOT_REFUNDABLE':
      return refuse(`Refused: ${result.message}. Nothing was refunded.`, 409);
    case 'INVALID_REFUND':
      return refuse(`Refused: ${result.message}. Nothing was refunded.`, 400);
    case 'PAYMENT_NOT_FOUND':
      return refuse(`${result.message}.`, 404);
    case 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST': {
      // The same form sent again with another amount or destination: it made its refund already.
      const made = await services.refunds.get(businessId, String(result.details?.refund_id));
      return made.ok ? already(made.value) : refuse(`Refused: ${result.message}.`, 409);
    }
    default:
      return refuse(`Refused: ${result.message}.`, 400);
  }
}
