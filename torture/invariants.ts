// The end-of-run invariants: what the clients were told, checked against the database and the API.
import type { Book, KeyRecord } from './book.ts';
import type { ApiSnapshot, DatabaseSnapshot, EntryRow } from './snapshots.ts';

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
  /** A few offending items, when it failed. */
  examples: string[];
}

export interface CommittedUnacknowledged {
  key: string;
  reason: string;
  customerId: string;
  currency: string;
  signedAmount: number;
}

export interface InvariantReport {
  invariants: Invariant[];
  committedUnacknowledged: CommittedUnacknowledged[];
  totals: {
    entries: number;
    acknowledgedKeys: number;
    refusedKeys: number;
    unknownKeys: number;
    balancesByCurrency: Record<string, number>;
    expectedByCurrency: Record<string, number>;
  };
}

const examplesMax = 10;

class Findings {
  readonly items: string[] = [];
  count = 0;
  add(text: string): void {
    this.count += 1;
    if (this.items.length < examplesMax) this.items.push(text);
  }
}

const signed = (amount: number, isCredit: boolean) => (isCredit ? amount : -amount);
const sameRequest = (record: KeyRecord, entry: EntryRow) =>
  entry.customer_id === record.customerId &&
  entry.currency === record.currency &&
  entry.amount === record.amount &&
  (entry.is_credit === 1) === record.isCredit &&
  (record.entryId === undefined || record.entryId === entry.id);

function invariant(name: string, findings: Findings, passDetail: string): Invariant {
  return {
    name,
    ok: findings.count === 0,
    detail: findings.count === 0 ? passDetail : `${findings.count} violation(s)`,
    examples: findings.items,
  };
}

export function checkInvariants(book: Book, database: DatabaseSnapshot, api: ApiSnapshot, unexpectedExits: string[]): InvariantReport {
  const records = [...book.keys.values()];
  const entriesByKey = new Map<string, EntryRow[]>();
  const keyless = new Findings();
  for (const entry of database.entries) {
    if (entry.idempotency_key === null) {
      keyless.add(`entry ${entry.id} has no idempotency key`);
      continue;
    }
    const list = entriesByKey.get(entry.idempotency_key) ?? [];
    list.push(entry);
    entriesByKey.set(entry.idempotency_key, list);
  }

  // 1. Acknowledged keys: exactly one entry each, carrying the acknowledged request.
  const acknowledged = records.filter((r) => r.status === 'acknowledged');
  const ackFindings = new Findings();
  for (const record of acknowledged) {
    const found = entriesByKey.get(record.key) ?? [];
    if (found.length !== 1) ackFindings.add(`acknowledged key ${record.key} has ${found.length} entries`);
    else if (!sameRequest(record, found[0])) ackFindings.add(`key ${record.key}: entry ${JSON.stringify(found[0])} differs from its request`);
  }

  // 2. Every entry belongs to an acknowledged key or to an unknown one (committed, answer lost), exactly once.
  const committedUnacknowledged: CommittedUnacknowledged[] = [];
  const accountFindings = keyless;
  const refusedFindings = new Findings();
  for (const [key, found] of entriesByKey) {
    const record = book.keys.get(key);
    if (found.length !== 1) accountFindings.add(`key ${key} has ${found.length} entries`);
    if (!record) {
      accountFindings.add(`entry ${found[0].id} has key ${key} that no client sent`);
      continue;
    }
    if (record.status === 'refused') refusedFindings.add(`refused key ${key} (${record.kind}) has entry ${found[0].id}`);
    if (record.status === 'pending') accountFindings.add(`key ${key} is still pending but has an entry`);
    if (record.status === 'unknown') {
      if (!sameRequest(record, found[0])) accountFindings.add(`unknown key ${key}: entry differs from its request`);
      committedUnacknowledged.push({
        key,
        reason: record.unknownReason ?? 'unknown',
        customerId: record.customerId,
        currency: record.currency,
        signedAmount: signed(record.amount, record.isCredit),
      });
    }
  }
  const expectedEntries = acknowledged.length + committedUnacknowledged.length;
  if (database.entries.length !== expectedEntries) {
    accountFindings.add(`${database.entries.length} entries ≠ ${acknowledged.length} acknowledged + ${committedUnacknowledged.length} committed-unacknowledged`);
  }

  // 3. Refused keys left nothing; a debit larger than all credits together was never applied.
  for (const record of records) {
    if (record.kind === 'overdraw' && record.status === 'acknowledged') refusedFindings.add(`overdraw debit ${record.key} was acknowledged`);
  }

  // 4 and 5. Each wallet's entries chain from 0 to its balance with dense wallet_seq; customer_seq dense; counters match.
  const chainFindings = new Findings();
  const denseFindings = new Findings();
  const walletEntries = new Map<string, EntryRow[]>();
  const customerSeqs = new Map<string, number[]>();
  for (const entry of database.entries) {
    const walletKey = `${entry.customer_id}/${entry.currency}`;
    let list = walletEntries.get(walletKey);
    if (!list) walletEntries.set(walletKey, (list = []));
    list.push(entry);
    let seqs = customerSeqs.get(entry.customer_id);
    if (!seqs) customerSeqs.set(entry.customer_id, (seqs = []));
    seqs.push(entry.customer_seq);
  }
  const walletKeys = new Set<string>();
  for (const wallet of database.wallets) {
    const walletKey = `${wallet.customer_id}/${wallet.currency}`;
    walletKeys.add(walletKey);
    const list = walletEntries.get(walletKey) ?? [];
    let balance = 0;
    let sum = 0;
    list.forEach((entry, index) => {
      if (entry.wallet_seq !== index + 1) denseFindings.add(`${walletKey}: entry ${entry.id} has wallet_seq ${entry.wallet_seq}, expected ${index + 1}`);
      if (entry.before_balance !== balance) chainFindings.add(`${walletKey} seq ${entry.wallet_seq}: before ${entry.before_balance} ≠ previous after ${balance}`);
      const after = entry.before_balance + signed(entry.amount, entry.is_credit === 1);
      if (entry.after_balance !== after) chainFindings.add(`${walletKey} seq ${entry.wallet_seq}: after ${entry.after_balance} ≠ before ± amount ${after}`);
      if (entry.after_balance < 0) chainFindings.add(`${walletKey} seq ${entry.wallet_seq}: negative after_balance`);
      balance = entry.after_balance;
      sum += signed(entry.amount, entry.is_credit === 1);
    });
    if (wallet.balance !== balance || wallet.balance !== sum) chainFindings.add(`${walletKey}: balance ${wallet.balance}, last after ${balance}, Σ entries ${sum}`);
    if (wallet.balance < 0) chainFindings.add(`${walletKey}: negative balance ${wallet.balance}`);
    if (wallet.entry_count !== list.length) denseFindings.add(`${walletKey}: entry_count ${wallet.entry_count} ≠ ${list.length} entries`);
  }
  for (const walletKey of walletEntries.keys()) if (!walletKeys.has(walletKey)) chainFindings.add(`entries for missing wallet ${walletKey}`);
  for (const customer of database.customers) {
    const seqs = (customerSeqs.get(customer.id) ?? []).sort((a, b) => a - b);
    const gap = seqs.findIndex((seq, index) => seq !== index + 1);
    if (gap >= 0) denseFindings.add(`customer ${customer.id}: customer_seq ${seqs[gap]} at position ${gap + 1}`);
    if (customer.entry_count !== seqs.length) denseFindings.add(`customer ${customer.id}: entry_count ${customer.entry_count} ≠ ${seqs.length} entries`);
  }

  // 6. Money is conserved per currency: balances add up to what the clients were told, plus the listed unknowns.
  const balancesByCurrency: Record<string, number> = {};
  for (const wallet of database.wallets) balancesByCurrency[wallet.currency] = (balancesByCurrency[wallet.currency] ?? 0) + wallet.balance;
  const expectedByCurrency: Record<string, number> = {};
  for (const record of acknowledged) expectedByCurrency[record.currency] = (expectedByCurrency[record.currency] ?? 0) + signed(record.amount, record.isCredit);
  for (const item of committedUnacknowledged) expectedByCurrency[item.currency] = (expectedByCurrency[item.currency] ?? 0) + item.signedAmount;
  const sumFindings = new Findings();
  for (const currency of new Set([...Object.keys(balancesByCurrency), ...Object.keys(expectedByCurrency)])) {
    const actual = balancesByCurrency[currency] ?? 0;
    const expected = expectedByCurrency[currency] ?? 0;
    if (actual !== expected) sumFindings.add(`${currency}: Σ balances ${actual} ≠ Σ acknowledged credits − debits ± unacknowledged ${expected}`);
  }

  // 7–9. What the clients saw while the server was being killed.
  const readFindings = new Findings();
  for (const example of book.anomalies.negative_balance_read.examples) readFindings.add(example);
  readFindings.count = book.anomalies.negative_balance_read.count;
  const pageFindings = new Findings();
  for (const example of book.anomalies.inconsistent_page.examples) pageFindings.add(example);
  pageFindings.count = book.anomalies.inconsistent_page.count;
  const conflictFindings = new Findings();
  for (const kind of ['conflict_body_mismatch', 'double_success'] as const) {
    for (const example of book.anomalies[kind].examples) conflictFindings.add(example);
  }
  conflictFindings.count = book.anomalies.conflict_body_mismatch.count + book.anomalies.double_success.count;
  const answerFindings = new Findings();
  for (const example of book.anomalies.unexpected_answer.examples) answerFindings.add(example);
  answerFindings.count = book.anomalies.unexpected_answer.count;
  for (const record of records) {
    if (record.status === 'pending') answerFindings.add(`key ${record.key} still pending`);
    if (record.unknownReason === 'stuck') answerFindings.add(`key ${record.key} got no definitive answer in time`);
  }
  for (const exit of unexpectedExits) answerFindings.add(`Coffer exited on its own: ${exit}`);

  // 10. The API shows what the database holds.
  const apiFindings = new Findings();
  for (const problem of api.problems) apiFindings.add(problem);
  for (const wallet of database.wallets) {
    const seen = api.balances.get(wallet.customer_id)?.get(wallet.currency);
    if (seen !== wallet.balance) apiFindings.add(`${wallet.customer_id}/${wallet.currency}: API ${seen}, database ${wallet.balance}`);
  }
  const newestFirst = new Map<string, EntryRow[]>();
  for (const entry of database.entries) {
    if (!api.entryIds.has(entry.customer_id)) continue;
    let list = newestFirst.get(entry.customer_id);
    if (!list) newestFirst.set(entry.customer_id, (list = []));
    list.push(entry);
  }
  for (const [customerId, ids] of api.entryIds) {
    const expected = (newestFirst.get(customerId) ?? []).sort((a, b) => b.customer_seq - a.customer_seq).map((e) => e.id);
    if (ids.length !== expected.length || ids.some((id, index) => id !== expected[index])) {
      apiFindings.add(`${customerId}: API pages list ${ids.length} entries, database has ${expected.length} (or order differs)`);
    }
  }

  const unknown = records.filter((r) => r.status === 'unknown');
  const invariants = [
    invariant('every acknowledged key has exactly one entry, with its request', ackFindings, `${acknowledged.length} acknowledged keys`),
    invariant(
      'entries = acknowledged keys + committed-but-unacknowledged keys, each exactly once',
      accountFindings,
      `${database.entries.length} entries = ${acknowledged.length} + ${committedUnacknowledged.length} (of ${unknown.length} unknown keys)`,
    ),
    invariant('no entry for a definitively refused key; no overdraw debit applied', refusedFindings, `${records.filter((r) => r.status === 'refused').length} refused keys, none written`),
    invariant('every balance = Σ its entries; after_balance chains into the next before_balance', chainFindings, `${database.wallets.length} wallets`),
    invariant('wallet_seq and customer_seq dense from 1; entry_count counters match', denseFindings, `${database.wallets.length} wallets, ${database.customers.length} customers`),
    invariant('per currency Σ balances = Σ acknowledged credits − debits ± committed-unacknowledged', sumFindings, JSON.stringify(balancesByCurrency)),
    invariant('no read ever saw a negative balance', readFindings, `${book.reads.wallets} wallet reads, ${book.reads.pages} pages, ${book.reads.entriesSeen} entries seen`),
    invariant('every page read was internally consistent (arithmetic, chain per currency)', pageFindings, `${book.reads.pages} pages`),
    invariant('409 answers named the original entry and body; no key answered 200 twice', conflictFindings, 'all repeats refused as expected'),
    invariant('every write got a definitive, expected answer (unless its client gave up); Coffer never died on its own', answerFindings, `${records.length} keys`),
    invariant('the API shows exactly what the database holds', apiFindings, `${api.balances.size} customers' wallets, ${api.entryIds.size} customers' pages walked`),
  ];
  return {
    invariants,
    committedUnacknowledged,
    totals: {
      entries: database.entries.length,
      acknowledgedKeys: acknowledged.length,
      refusedKeys: records.filter((r) => r.status === 'refused').length,
      unknownKeys: unknown.length,
      balancesByCurrency,
      expectedByCurrency,
    },
  };
}
