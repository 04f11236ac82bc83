// The dashboard's second wave over HTTP, both stores: the customer page's held, available and expiring amounts, lots,
// holds, invoices and payments; the Invoices and Payments pages (filters, paging), an invoice's page and its PDF; the
// Release and Void actions (CSRF, read-only keys, other customers and businesses); hostile queries never a 5xx.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardContentSecurityPolicy, pdfContentSecurityPolicy } from '../../src/dashboard/dashboard-app.ts';
import { billingPageSize } from '../../src/dashboard/billing-pages.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type SeededBilling, seedBilling } from './billing-seed.ts';
import { client as formClient, csrfOf } from './form-client.ts';

const client = (t: TestApp) => formClient(t.coffer.app);

describe.each(storeKinds)('dashboard billing pages over HTTP [%s]', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let customerId: string;
  let seeded: SeededBilling;
  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    customerId = (await t.request('POST', '/customers', { body: { email: 'ann@example.com', name: 'Ann Lee' } })).json().customer_id;
    seeded = await seedBilling(t, customerId, clock.now());
  });
  afterAll(async () => {
    await t?.close();
  });

  const wallet = async () => (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
  const hold = async (id: string) => (await t.request('GET', `/holds/${id}`)).json();
  const invoice = async (id: string) => (await t.request('GET', `/invoices/${id}`)).json();

  it('the customer page shows held, available and expiring amounts as money, with lots, holds, invoices and payments', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const page = await visitor.get(`/dashboard/customers/${customerId}`);
    expect(page.statusCode).toBe(200);
    const api = await wallet();
    const dollars = (minor: number) => `$${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
    expect(api.held_amount).toBe(700);
    expect(page.body).toContain(`data-testid="held-USD">${dollars(api.held_amount)}<`);
    expect(page.body).toContain(`data-testid="available-USD">${dollars(api.available_balance)}<`);
    expect(api.expiring_amount).toBeGreaterThan(0);
    expect(page.body).toContain(`data-testid="expiring-USD">${dollars(api.expiring_amount)}`);
    const lots = /<section id="lots"[\s\S]*?<\/section>/.exec(page.body)![0];
    expect(lots).toContain('promotional');
    expect(lots).toContain('2026-06-06 12:00 UTC');
    expect(lots).toContain('paid');
    const holds = /<section id="holds"[\s\S]*?<\/section>/.exec(page.body)![0];
    expect(holds).toContain(seeded.holdId);
    expect(holds).toContain('Pending order 1042');
    expect(holds).toContain(`aria-label="Release hold ${seeded.holdId}"`);
    const billing = /<section id="billing"[\s\S]*?<\/section>/.exec(page.body)![0];
    for (const id of [seeded.paidInvoiceId, seeded.openInvoiceId, seeded.declinedInvoiceId, seeded.walletPaymentId, seeded.cardPaymentId]) expect(billing).toContain(id);
    expect(billing).toContain(`/dashboard/payments/${seeded.walletPaymentId}/invoice.pdf`);
  });

  it('lists invoices and payments filtered by status and customer, paged', async () => {
    const visitor = client(t);
    await visitor.signIn(t.readOnlyKey);
    const all = await visitor.get('/dashboard/invoices');
    expect(all.statusCode).toBe(200);
    for (const id of [seeded.paidInvoiceId, seeded.openInvoiceId, seeded.declinedInvoiceId]) expect(all.body).toContain(id);
    const open = await visitor.get('/dashboard/invoices?status=open');
    expect(open.body).toContain(seeded.openInvoiceId);
    expect(open.body).toContain(seeded.declinedInvoiceId);
    expect(open.body).not.toContain(seeded.paidInvoiceId);
    expect(open.body).toContain('Invoices with status open');
    const fragment = await visitor.get('/dashboard/invoices?status=paid', { 'hx-request': 'true', 'hx-target': 'invoice-results' });
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).toContain(seeded.paidInvoiceId);
    const failed = await visitor.get('/dashboard/payments?status=failed');
    expect(failed.body).not.toContain(seeded.walletPaymentId);
    const succeeded = await visitor.get('/dashboard/payments?status=succeeded');
    expect(succeeded.body).toContain(seeded.walletPaymentId);
    expect(succeeded.body).toContain(seeded.cardPaymentId);
    expect(succeeded.body).toContain('Ann Lee');

    const other = (await t.request('POST', '/customers', { body: { email: 'bob@example.com', name: 'Bob' } })).json().customer_id as string;
    const made: string[] = [];
    for (let index = 0; index < billingPageSize + 2; index++) {
      clock.advance(1); // ids are time-ordered: one millisecond apart, newest first is the order they were made in reverse
      made.push((await t.request('POST', '/invoices', { body: { customer_id: other, currency: 'USD', line_items: [{ description: `Line ${index}`, amount: 100 + index }] } })).json().invoice_id);
    }
    const first = await visitor.get(`/dashboard/invoices?customer_id=${other}`);
    expect(first.body).not.toContain(seeded.paidInvoiceId);
    expect(first.body).toContain(made.at(-1));
    expect(first.body).not.toContain(made[0]);
    expect(first.body).toContain(`href="/dashboard/invoices?customer_id=${other}&amp;page=1" rel="next"`);
    const second = await visitor.get(`/dashboard/invoices?customer_id=${other}&page=1`);
    expect(second.body).toContain(made[0]);
    expect(second.body).toContain(made[1]);
    expect(second.body).not.toContain('rel="next"');
    expect((await visitor.get(`/dashboard/payments?customer_id=${other}`)).body).toContain('No payments match');
  });

  it("an invoice's page: line items, the latest payment and its PDF, the same PDF the API gives", async () => {
    const visitor = client(t);
    await visitor.signIn(t.readOnlyKey);
    const page = await visitor.get(`/dashboard/invoices/${seeded.paidInvoiceId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Monthly plan');
    expect(page.body).toContain('data-testid="invoice-total">$20.00<');
    expect(page.body).toContain(seeded.walletPaymentId);
    expect(page.body).not.toContain('Void invoice');
    const pdf = await visitor.get(`/dashboard/payments/${seeded.walletPaymentId}/invoice.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.headers['content-disposition']).toBe(`inline; filename="${seeded.walletPaymentId}.pdf"`);
    expect(pdf.headers['content-security-policy']).toBe(pdfContentSecurityPolicy);
    const api = await t.request('GET', `/invoices/payments/${seeded.walletPaymentId}`);
    expect(pdf.rawPayload.length).toBe(api.rawPayload.length);
    const declined = await visitor.get(`/dashboard/invoices/${seeded.declinedInvoiceId}`);
    expect(declined.body).toContain('The card was declined');
    expect((await visitor.get('/dashboard/invoices/inv_nothere')).statusCode).toBe(404);
    expect((await visitor.get('/dashboard/payments/pay_nothere/invoice.pdf')).statusCode).toBe(404);
    // Not signed in: to the sign-in form, no PDF.
    expect((await client(t).get(`/dashboard/payments/${seeded.walletPaymentId}/invoice.pdf`)).statusCode).toBe(303);
  });

  it('Void: refused without the CSRF token and for a read-only key (the invoice stays open); a read-write key voids once', async () => {
    const readOnly = client(t);
    await readOnly.signIn(t.readOnlyKey);
    const page = await readOnly.get(`/dashboard/invoices/${seeded.openInvoiceId}`);
    expect(page.body).toContain('This API key is read-only: voiding is refused.');
    const refused = await readOnly.post(`/dashboard/invoices/${seeded.openInvoiceId}/void`, { _csrf: csrfOf(page.body) });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Refused: this API key is read-only, so it cannot void an invoice.');
    expect((await invoice(seeded.openInvoiceId)).status).toBe('open');

    const writer = client(t);
    await writer.signIn(t.apiKey);
    const own = await writer.get(`/dashboard/invoices/${seeded.openInvoiceId}`);
    expect((await writer.post(`/dashboard/invoices/${seeded.openInvoiceId}/void`, {})).statusCode).toBe(403);
    expect((await invoice(seeded.openInvoiceId)).status).toBe('open');
    const voided = await writer.post(`/dashboard/invoices/${seeded.openInvoiceId}/void`, { _csrf: csrfOf(own.body) });
    expect(voided.statusCode).toBe(200);
    expect(voided.body).toContain(`Invoice ${seeded.openInvoiceId} is void`);
    expect((await invoice(seeded.openInvoiceId)).status).toBe('void');
    const paid = await writer.post(`/dashboard/invoices/${seeded.paidInvoiceId}/void`, { _csrf: csrfOf(own.body) });
    expect(paid.statusCode).toBe(409);
    expect(paid.body).toMatch(/role="alert">Refused: Invoice inv_\w+ is paid/);
    expect((await invoice(seeded.paidInvoiceId)).status).toBe('paid');
  });

  it("Release: refused for a read-only key and for another customer's hold; a read-write key releases it", async () => {
    const before = await wallet();
    const readOnly = client(t);
    await readOnly.signIn(t.readOnlyKey);
    const page = await readOnly.get(`/dashboard/customers/${customerId}`);
    const path = `/dashboard/customers/${customerId}/holds/${seeded.holdId}/release`;
    const refused = await readOnly.post(path, { _csrf: csrfOf(page.body) });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Refused: this API key is read-only, so it cannot release a hold.');
    expect((await hold(seeded.holdId)).status).toBe('active');

    const writer = client(t);
    await writer.signIn(t.apiKey);
    const token = csrfOf((await writer.get(`/dashboard/customers/${customerId}`)).body);
    expect((await writer.post(path, {})).statusCode).toBe(403);
    const other = (await t.request('POST', '/customers', { body: { email: 'cy@example.com', name: 'Cy' } })).json().customer_id as string;
    const elsewhere = await writer.post(`/dashboard/customers/${other}/holds/${seeded.holdId}/release`, { _csrf: token });
    expect(elsewhere.statusCode).toBe(404);
    expect((await hold(seeded.holdId)).status).toBe('active');
    const released = await writer.post(path, { _csrf: token }, { 'hx-request': 'true', 'hx-target': 'customer-main' });
    expect(released.statusCode).toBe(200);
    expect(released.body).toContain(`Released hold ${seeded.holdId}: $7.00 is available again.`);
    expect(released.body).toContain('data-testid="held-USD">$0.00<');
    expect((await hold(seeded.holdId)).status).toBe('released');
    const after = await wallet();
    expect(after.balance).toBe(before.balance);
    expect(after.available_balance).toBe(before.available_balance + 700);
    // A second press (another tab, a resend) changes nothing.
    const again = await writer.post(path, { _csrf: token });
    expect(again.statusCode).toBeLessThan(500);
    expect(again.body).not.toContain('is available again');
    expect(after).toEqual(await wallet());
  });

  it("another business sees none of it; every new page has the CSP, no inline script or style, and a label on each control", async () => {
    const stranger = client(t);
    await stranger.signIn((await t.addBusiness('Other')).apiKey);
    expect((await stranger.get(`/dashboard/invoices/${seeded.paidInvoiceId}`)).statusCode).toBe(404);
    expect((await stranger.get(`/dashboard/payments/${seeded.walletPaymentId}/invoice.pdf`)).statusCode).toBe(404);
    expect((await stranger.get('/dashboard/invoices')).body).not.toContain(seeded.paidInvoiceId);
    expect((await stranger.get('/dashboard/payments')).body).not.toContain(seeded.walletPaymentId);

    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    for (const url of ['/dashboard/invoices', `/dashboard/invoices?customer_id=${customerId}`, '/dashboard/payments', `/dashboard/invoices/${seeded.declinedInvoiceId}`, `/dashboard/customers/${customerId}`]) {
      const response = await visitor.get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-security-policy'], url).toBe(dashboardContentSecurityPolicy);
      for (const tag of response.body.match(/<script\b[^>]*>/g) ?? []) expect(tag, url).toMatch(/ src="\/dashboard\/assets\//);
      expect(response.body, url).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      for (const [, id] of response.body.matchAll(/<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio)")[^>]*\bid="([^"]+)"/g)) {
        expect(response.body, `${url}: #${id}`).toContain(`<label for="${id}">`);
      }
    }
  });

  it('fuzz: random queries and action paths never get a 5xx, and a refused action changes nothing', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const token = csrfOf((await visitor.get('/dashboard/invoices')).body);
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '0', '1', 'open', 'paid', 'void', 'failed', customerId, 'cus_x', '-1', '99999999'));
    const before = JSON.stringify(await wallet());
    await fc.assert(
      fc.asyncProperty(fc.record({ status: text, customer_id: text, page: text }, { requiredKeys: [] }), text, async (query, id) => {
        const search = new URLSearchParams(query).toString();
        for (const url of [`/dashboard/invoices?${search}`, `/dashboard/payments?${search}`, `/dashboard/invoices/${encodeURIComponent(id)}`, `/dashboard/payments/${encodeURIComponent(id)}/invoice.pdf`]) {
          expect((await visitor.get(url)).statusCode, url).toBeLessThan(500);
        }
        const release = await visitor.post(`/dashboard/customers/${customerId}/holds/${encodeURIComponent(id)}/release`, { _csrf: token });
        expect(release.statusCode).toBeLessThan(500);
        expect(release.statusCode).not.toBe(200);
        expect((await visitor.post(`/dashboard/invoices/${encodeURIComponent(`inv_${id}`)}/void`, { _csrf: token })).statusCode).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
    expect(JSON.stringify(await wallet())).toBe(before);
  });
});
