// The invoice of one payment as a PDF (GET /invoices/payments/{payment_id}): line items, the amount paid from the
// wallet and the amount charged to the payment method. Uncompressed, so its text can be checked by a test.
import PDFDocument from 'pdfkit';
import type { WireInvoice, WirePayment } from './billing-wire.ts';

/** Minor units as a decimal amount with its currency (two decimals: the configured currencies all have two). */
export function moneyText(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const absolute = Math.abs(amount);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')} ${currency}`;
}

export function invoicePdf(invoice: WireInvoice, payment: WirePayment): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, compress: false, info: { Title: `Invoice ${invoice.invoice_id}`, Producer: 'Coffer', Creator: 'Coffer' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    // A fixed creation date: the same payment always gives the same bytes.
    doc.info.CreationDate = new Date(payment.created_at);

    doc.fontSize(20).text(`Invoice ${invoice.invoice_id}`);
    doc.moveDown(0.5).fontSize(10);
    doc.text(`Payment ${payment.payment_id} (${payment.status})`);
    doc.text(`Customer ${payment.customer.name} <${payment.customer.email}> (${payment.customer.customer_id})`);
    doc.text(`Date ${payment.created_at}`);
    doc.moveDown();
    doc.fontSize(12).text('Line items');
    doc.fontSize(10);
    for (const item of invoice.line_items) doc.text(`${item.description}: ${moneyText(item.amount, invoice.currency)}`);
    doc.moveDown();
    doc.text(`Total: ${moneyText(invoice.total_amount, invoice.currency)}`);
    doc.text(`Paid from wallet: ${moneyText(payment.wallet_amount, payment.currency)}`);
    doc.text(`Charged to payment method: ${moneyText(payment.method_amount, payment.currency)}${payment.charge_id ? ` (${payment.payment_method}, charge ${payment.charge_id})` : ''}`);
    if (payment.error_code) doc.text(`Failed: ${payment.error_code}: ${payment.error_message ?? ''}`);
    doc.end();
  });
}
