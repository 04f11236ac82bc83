// SQL of invoices and payments. Money never moves here: the wallet part goes through holds (the ledger writer) and
// the rest through the payment processor; these rows record the steps.
import type { Kysely, Transaction } from 'kysely';
import type { Database, InvoicesTable, PaymentsTable } from '../db/schema.ts';
import type { PaymentCustomer } from './billing-wire.ts';

export type Executor = Kysely<Database> | Transaction<Database>;

export function invoiceById(db: Executor, businessId: string, id: string): Promise<InvoicesTable | undefined> {
  return db.selectFrom('invoices').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
}

export function paymentById(db: Executor, businessId: string, id: string): Promise<PaymentsTable | undefined> {
  return db.selectFrom('payments').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
}

export function paymentCustomer(db: Executor, businessId: string, customerId: string): Promise<PaymentCustomer | undefined> {
  return db.selectFrom('customers').select(['id', 'email', 'name', 'phone_number']).where('id', '=', customerId).where('business_id', '=', businessId).executeTakeFirst();
}

export interface PageQuery {
  pageNumber: number;
  pageSize: number;
  customerId?: string;
  status?: string;
}

/** Newest first (ids are time-ordered). */
export function listInvoices(db: Executor, businessId: string, page: PageQuery): Promise<InvoicesTable[]> {
  let query = db.selectFrom('invoices').selectAll().where('business_id', '=', businessId);
  if (page.customerId !== undefined) query = query.where('customer_id', '=', page.customerId);
  if (page.status !== undefined) query = query.where('status', '=', page.status as InvoicesTable['status']);
  return query.orderBy('id', 'desc').limit(page.pageSize).offset(page.pageNumber * page.pageSize).execute();
}

export function listPayments(db: Executor, businessId: string, page: PageQuery): Promise<Array<PaymentsTable & { email: string; name: string; phone_number: string | null }>> {
  let query = db
    .selectFrom('payments')
    .innerJoin('customers', 'customers.id', 'payments.customer_id')
    .selectAll('payments')
    .select(['customers.email', 'customers.name', 'customers.phone_number'])
    .where('payments.business_id', '=', businessId);
  if (page.customerId !== undefined) query = query.where('payments.customer_id', '=', page.customerId);
  if (page.status !== undefined) query = query.where('payments.status', '=', page.status as PaymentsTable['status']);
  return query.orderBy('payments.id', 'desc').limit(page.pageSize).offset(page.pageNumber * page.pageSize).execute();
}

/** Moves a payment on from the step it was read at; false when another run moved it first. */
export async function advancePayment(db: Executor, id: string, fromStep: PaymentsTable['step'], changes: Partial<PaymentsTable>): Promise<boolean> {
  const result = await db.updateTable('payments').set(changes).where('id', '=', id).where('step', '=', fromStep).where('status', '=', 'processing').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Payments still processing (coffer verify and the recovery job read them). */
export function processingPayments(db: Executor, limit: number): Promise<PaymentsTable[]> {
  return db.selectFrom('payments').selectAll().where('status', '=', 'processing').orderBy('id').limit(limit).execute();
}
