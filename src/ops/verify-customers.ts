// Verify pass over customers and their entries in customer_seq order: sequences, counters, tenancy and stored values.
import { decodeStoredText, isServableTimestamp, metadataProblem } from './stored-values.ts';
import { type VerifyContext, storedText } from './verify-context.ts';

interface CustomerRow {
  id: string;
  business_id: string;
  entry_count: number;
  email: string | Uint8Array;
  name: string | Uint8Array;
  phone_number: string | Uint8Array | null;
  metadata: string | Uint8Array;
  created_at: string;
  updated_at: string;
}

interface EntryRow {
  id: string;
  customer_id: string;
  business_id: string;
  customer_seq: number;
}

export async function verifyCustomers(context: VerifyContext): Promise<void> {
  const { trx, store } = context;
  let cursor: string | null = null;
  for (;;) {
    const after = cursor;
    const customers: CustomerRow[] = await trx
      .selectFrom('customers')
      .select([
        'id',
        'business_id',
        'entry_count',
        storedText(store, 'email').as('email'),
        storedText(store, 'name').as('name'),
        storedText(store, 'phone_number').as('phone_number'),
        storedText(store, 'metadata').as('metadata'),
        'created_at',
        'updated_at',
      ])
      .$if(after !== null, (q) => q.where('id', '>', after!))
      .orderBy('id')
      .limit(context.pageRowsMax)
      .execute() as CustomerRow[];
    if (customers.length === 0) return;
    for (const customer of customers) checkCustomerValues(context, customer);
    await verifyCustomerSequences(context, customers);
    context.counted('customers', customers.length);
    cursor = customers[customers.length - 1].id;
  }
}

function checkCustomerValues(context: VerifyContext, customer: CustomerRow): void {
  const { findings } = context;
  const ids = { customer_id: customer.id };
  for (const column of ['email', 'name', 'phone_number'] as const) {
    const value = customer[column];
    if (value !== null && decodeStoredText(value) === null) findings.add('invalid_text', 'customers', ids, `${column} is not well-formed text`);
  }
  const metadata = decodeStoredText(customer.metadata);
  const problem = metadata === null ? 'not well-formed text' : metadataProblem(metadata);
  if (problem !== null) findings.add('invalid_metadata', 'customers', ids, `metadata: ${problem}`);
  for (const column of ['created_at', 'updated_at'] as const) {
    if (!isServableTimestamp(customer[column])) {
      findings.add('invalid_timestamp', 'customers', ids, `${column} ${JSON.stringify(customer[column])}`);
    }
  }
}

/** The page's entries as one (customer_id, customer_seq) index range: each customer's must run 1..entry_count. */
async function verifyCustomerSequences(context: VerifyContext, customers: CustomerRow[]): Promise<void> {
  const { trx, findings } = context;
  const indexOf = new Map(customers.map((c, index) => [c.id, index]));
  const lastId = customers[customers.length - 1].id;
  let position = 0;
  let lastSeq = 0;
  const finish = (customer: CustomerRow) => {
    if (customer.entry_count !== lastSeq) {
      findings.add('customer_entry_count_mismatch', 'customers', { customer_id: customer.id }, `entry_count ${customer.entry_count}, last customer_seq ${lastSeq}`);
    }
    lastSeq = 0;
  };
  let cursor: [string, number] | null = null;
  for (;;) {
    const after = cursor;
    const entries: EntryRow[] = await trx
      .selectFrom('ledger_entries')
      .select(['id', 'customer_id', 'business_id', 'customer_seq'])
      .where((eb) =>
        after === null ? eb('customer_id', '>=', customers[0].id) : eb(eb.refTuple('customer_id', 'customer_seq'), '>', eb.tuple(...after)),
      )
      .where('customer_id', '<=', lastId)
      .orderBy('customer_id')
      .orderBy('customer_seq')
      .limit(context.pageRowsMax)
      .execute();
    for (const entry of entries) {
      const index = indexOf.get(entry.customer_id);
      if (index === undefined) continue; // no such customer: its wallet is an orphan, reported there
      while (position < index) finish(customers[position++]);
      const customer = customers[index];
      const ids = { entry_id: entry.id, customer_id: entry.customer_id, customer_seq: entry.customer_seq };
      if (entry.customer_seq !== lastSeq + 1) {
        findings.add('customer_seq_gap', 'ledger_entries', ids, `customer_seq ${entry.customer_seq} follows ${lastSeq}`);
      }
      if (entry.business_id !== customer.business_id) {
        findings.add('tenant_mismatch', 'ledger_entries', ids, `entry of business ${entry.business_id}, customer of business ${customer.business_id}`);
      }
      lastSeq = entry.customer_seq;
    }
    context.progressed(entries.length);
    if (entries.length < context.pageRowsMax) break;
    const tail = entries[entries.length - 1];
    cursor = [tail.customer_id, tail.customer_seq];
  }
  while (position < customers.length) finish(customers[position++]);
}
