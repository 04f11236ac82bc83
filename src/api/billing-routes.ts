// HTTP routes of invoices and payments: invoices paid wallet-first (Coffer extensions), payments in Dodo's shape
// (`payments.list` / `payments.retrieve`), and a payment's invoice as a PDF (`invoices.payments.retrieve`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  EmptyBody,
  Invoice,
  InvoiceCreateBody,
  InvoiceIdParams,
  InvoiceListResponse,
  InvoicePayBody,
  ListQuery,
  Payment,
  PaymentIdParams,
  PaymentListResponse,
} from '../billing/billing-schemas.ts';
import type { BillingService } from '../billing/billing-service.ts';
import { invoicePdf } from '../billing/invoice-pdf.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { pageSizeDefault } from '../ledger/ledger-schemas.ts';

export const billingRoutes =
  (service: BillingService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const extension = { 'x-coffer-extension': true };
    const invoiceTags = ['Invoices'];
    const paymentTags = ['Payments'];

    app.post(
      '/invoices',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags: invoiceTags,
          summary: 'Create an invoice to be paid from the wallet first, the rest charged to a payment method (Coffer extension)',
          body: InvoiceCreateBody,
          response: { 200: Invoice, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.createInvoice(request.principal.businessId, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/invoices',
      {
        config: { access: 'read' },
        schema: { ...extension, tags: invoiceTags, summary: 'List invoices, newest first (Coffer extension)', querystring: ListQuery, response: { 200: InvoiceListResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { page_number = 0, page_size = pageSizeDefault, customer_id, status } = request.query;
        const result = await service.listInvoices(request.principal.businessId, { pageNumber: page_number, pageSize: page_size, customerId: customer_id, status });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/invoices/:invoice_id',
      {
        config: { access: 'read' },
        schema: { ...extension, tags: invoiceTags, summary: 'Retrieve an invoice (Coffer extension)', params: InvoiceIdParams, response: { 200: Invoice, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.getInvoice(request.principal.businessId, request.params.invoice_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/invoices/:invoice_id/pay',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags: invoiceTags,
          summary: 'Pay an open invoice: hold the wallet part, charge the rest, capture the hold; answers the payment (Coffer extension)',
          params: InvoiceIdParams,
          body: InvoicePayBody,
          response: { 200: Payment, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.pay(request.principal.businessId, request.params.invoice_id, request.body.payment_method_id ?? null);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/invoices/:invoice_id/void',
      {
        config: { access: 'write' },
        schema: { ...extension, tags: invoiceTags, summary: 'Void an open invoice (Coffer extension)', params: InvoiceIdParams, body: EmptyBody, response: { 200: Invoice, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.voidInvoice(request.principal.businessId, request.params.invoice_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/invoices/payments/:payment_id',
      {
        config: { access: 'read' },
        schema: {
          tags: invoiceTags,
          summary: "A payment's invoice as a PDF: line items, the wallet part and the charged part",
          params: PaymentIdParams,
          response: { 200: { type: 'string', format: 'binary', description: 'application/pdf' }, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.paymentDocument(request.principal.businessId, request.params.payment_id);
        if (!result.ok) return sendErr(reply, result);
        const pdf = await invoicePdf(result.value.invoice, result.value.payment);
        return reply.type('application/pdf').header('content-disposition', `inline; filename="${result.value.payment.payment_id}.pdf"`).send(pdf);
      },
    );

    app.get(
      '/payments',
      {
        config: { access: 'read' },
        schema: { tags: paymentTags, summary: 'List payments, newest first', querystring: ListQuery, response: { 200: PaymentListResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { page_number = 0, page_size = pageSizeDefault, customer_id, status } = request.query;
        const result = await service.listPayments(request.principal.businessId, { pageNumber: page_number, pageSize: page_size, customerId: customer_id, status });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/payments/:payment_id',
      {
        config: { access: 'read' },
        schema: { tags: paymentTags, summary: 'Retrieve a payment', params: PaymentIdParams, response: { 200: Payment, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.getPayment(request.principal.businessId, request.params.payment_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
