// What `coffer verify` reports: a typed list of findings, each naming the broken invariant and the record it concerns.

/** Every kind of problem verify can find; tests assert on these names. */
export const findingKinds = [
  /** A wallet's balance differs from the sum of its entries (credits − debits) or from its last entry's after_balance. */
  'wallet_balance_mismatch',
  /** An entry's after_balance is not before_balance ± amount. */
  'entry_arithmetic',
  /** An entry's before_balance is not the previous entry's after_balance (0 for a wallet's first entry). */
  'chain_break',
  /** A wallet's entries, ordered by wallet_seq, do not run 1, 2, 3, … without gaps. */
  'wallet_seq_gap',
  /** A customer's entries, ordered by customer_seq, do not run 1, 2, 3, … without gaps. */
  'customer_seq_gap',
  /** wallets.entry_count is not the wallet's last wallet_seq (0 with no entries). */
  'wallet_entry_count_mismatch',
  /** customers.entry_count is not the customer's last customer_seq (0 with no entries). */
  'customer_entry_count_mismatch',
  /** A balance (wallet, or an entry's before/after) below zero. */
  'negative_balance',
  /** An entry's business differs from its customer's business. */
  'tenant_mismatch',
  /** An entry whose wallet does not exist. */
  'orphan_entry',
  /** A wallet whose customer does not exist. */
  'orphan_wallet',
  /** An entry with an idempotency key but no idempotency record that names it. */
  'idempotency_record_missing',
  /** An idempotency record that names no entry of its business, or an entry carrying another key. */
  'idempotency_record_dangling',
  /** Customer metadata that is not a JSON object of string, finite number and boolean values. */
  'invalid_metadata',
  /** A stored timestamp that does not parse back to the same ISO-8601 string. */
  'invalid_timestamp',
  /** Stored text that is not well-formed (invalid UTF-8 bytes, lone UTF-16 surrogates). */
  'invalid_text',
  /** An entry's event_type that the API does not define. */
  'invalid_event_type',
  /** A wallet's balance differs from the sum of its active lots' remainders. */
  'lot_balance_mismatch',
  /** A wallet's held_amount differs from its active holds, a hold's lots or capture do not add up, or holds reserve more than a lot has. */
  'hold_mismatch',
  /** A wallet's paid pool: its counters differ from its entries' pool amounts, or an entry's pool offset leaves a gap or overlaps. */
  'pool_mismatch',
  /** A lot's amount differs from its remainder plus everything drawn from it (debits and its expiration). */
  'lot_amount_mismatch',
  /** An expired lot without exactly one expiration entry for what expired, or an expiration entry of no expired lot. */
  'lot_expiry_mismatch',
  /** An entry whose draws do not add up to its amount, or a debit that drew from a lot at or after its expires_at. */
  'lot_draw_mismatch',
] as const;
export type FindingKind = (typeof findingKinds)[number];

export type VerifiedTable = 'customers' | 'wallets' | 'ledger_entries' | 'idempotency_records' | 'credit_lots' | 'lot_draws' | 'holds';

export interface Finding {
  kind: FindingKind;
  table: VerifiedTable;
  /** The record: its primary key and, for entries, the wallet and sequence numbers. */
  ids: Record<string, string | number>;
  detail: string;
}

/** Findings kept in full; past this only their count per kind grows (a badly broken store must not exhaust memory). */
export const findingsKeptMax = 1000;

export class FindingList {
  readonly kept: Finding[] = [];
  readonly countByKind = new Map<FindingKind, number>();
  total = 0;

  add(kind: FindingKind, table: VerifiedTable, ids: Finding['ids'], detail: string): void {
    this.total += 1;
    this.countByKind.set(kind, (this.countByKind.get(kind) ?? 0) + 1);
    if (this.kept.length < findingsKeptMax) this.kept.push({ kind, table, ids, detail });
  }
}

/** One line per finding: `kind table key=value …: detail`. */
export function formatFinding(finding: Finding): string {
  const ids = Object.entries(finding.ids)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return `${finding.kind} ${finding.table} ${ids}: ${finding.detail}`;
}
