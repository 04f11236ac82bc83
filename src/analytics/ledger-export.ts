// The whole ledger (or one business's, or a time range of it) as a stream of entries, page by page in
// (customer, currency, wallet_seq) order over the wallet_seq index: memory stays bounded whatever the ledger's size.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { entryPageMax, normalizeEntry } from './entry-reads.ts';
import { csvCell } from './statement-formats.ts';

export interface ExportScope {
  businessId?: string;
  /** created_at from (inclusive) and to (exclusive), ISO. */
  from?: string;
  to?: string;
}

export const exportColumns = ['id', 'business_id', 'customer_id', 'currency', 'wallet_seq', 'created_at', 'event_type', 'is_credit', 'amount', 'before_balance', 'after_balance', 'reason', 'reference_object_id'] as const;

export type ExportedEntry = Record<(typeof exportColumns)[number], string | number | boolean | null>;

/** How many entries the export will read (before the time filter): what a progress bar counts to. */
export async function exportSize(db: Kysely<Database>, scope: ExportScope): Promise<number> {
  let query = db.selectFrom('wallets').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('entry_count'), sql<number>`0`).as('total'));
  if (scope.businessId) query = query.where('business_id', '=', scope.businessId);
  return Number((await query.executeTakeFirstOrThrow()).total);
}

/** Every entry in scope; `onRead` hears how many were read so far (matching or not). */
export async function* exportEntries(db: Kysely<Database>, scope: ExportScope, onRead?: (read: number) => void): AsyncGenerator<ExportedEntry> {
  let after: [string, string, number] = ['', '', 0];
  let read = 0;
  for (;;) {
    let query = db
      .selectFrom('ledger_entries')
      .selectAll()
      .where((eb) => eb(eb.refTuple('customer_id', 'currency', 'wallet_seq'), '>', eb.tuple(after[0], after[1], after[2])))
      .orderBy('customer_id')
      .orderBy('currency')
      .orderBy('wallet_seq')
      .limit(entryPageMax);
    if (scope.businessId) query = query.where('business_id', '=', scope.businessId);
    const page = (await query.execute()).map(normalizeEntry);
    if (page.length === 0) return;
    for (const e of page) {
      if ((scope.from && e.created_at < scope.from) || (scope.to && e.created_at >= scope.to)) continue;
      yield {
        id: e.id,
        business_id: e.business_id,
        customer_id: e.customer_id,
        currency: e.currency,
        wallet_seq: e.wallet_seq,
        created_at: e.created_at,
        event_type: e.event_type,
        is_credit: e.is_credit === 1,
        amount: e.amount,
        before_balance: e.before_balance,
        after_balance: e.after_balance,
        reason: e.reason,
        reference_object_id: e.reference_object_id,
      };
    }
    read += page.length;
    onRead?.(read);
    const last = page[page.length - 1];
    after = [last.customer_id, last.currency, last.wallet_seq];
  }
}

export const exportCsvHeader = `${exportColumns.join(',')}\r\n`;
export const exportCsvLine = (entry: ExportedEntry) => `${exportColumns.map((c) => csvCell(entry[c])).join(',')}\r\n`;
export const exportJsonLine = (entry: ExportedEntry) => `${JSON.stringify(entry)}\n`;
