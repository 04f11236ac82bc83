// After a fuzz run, straight from the database: every balance equals the sum of its entries and every chain holds
// (before = previous after, after = before ± amount, dense wallet_seq and customer_seq, counters that match).
import type { Store } from '../../src/db/database.ts';

export async function ledgerProblems(reader: Store): Promise<{ problems: string[]; wallets: number; entries: number }> {
  const problems: string[] = [];
  const wallets = await reader.db.selectFrom('wallets').selectAll().execute();
  const entries = await reader.db.selectFrom('ledger_entries').selectAll().orderBy('customer_id').orderBy('customer_seq').execute();
  const customers = await reader.db.selectFrom('customers').select(['id', 'entry_count', 'business_id']).execute();
  const byWallet = new Map<string, typeof entries>();
  const customerSeqs = new Map<string, number>();
  for (const entry of entries) {
    const seq = (customerSeqs.get(entry.customer_id) ?? 0) + 1;
    if (entry.customer_seq !== seq) problems.push(`${entry.customer_id}: customer_seq ${entry.customer_seq}, expected ${seq}`);
    customerSeqs.set(entry.customer_id, entry.customer_seq);
    const key = `${entry.customer_id} ${entry.currency}`;
    if (!byWallet.has(key)) byWallet.set(key, []);
    byWallet.get(key)!.push(entry);
  }
  for (const wallet of wallets) {
    const key = `${wallet.customer_id} ${wallet.currency}`;
    const chain = (byWallet.get(key) ?? []).sort((a, b) => a.wallet_seq - b.wallet_seq);
    let balance = 0;
    chain.forEach((entry, index) => {
      if (entry.wallet_seq !== index + 1) problems.push(`${key}: wallet_seq ${entry.wallet_seq} at position ${index + 1}`);
      if (entry.before_balance !== balance) problems.push(`${key} #${entry.wallet_seq}: before ${entry.before_balance}, previous after ${balance}`);
      const after = entry.is_credit === 1 ? entry.before_balance + entry.amount : entry.before_balance - entry.amount;
      if (entry.after_balance !== after || after < 0) problems.push(`${key} #${entry.wallet_seq}: after ${entry.after_balance}, expected ${after}`);
      if (entry.business_id !== wallet.business_id) problems.push(`${key} #${entry.wallet_seq}: business ${entry.business_id}, wallet's ${wallet.business_id}`);
      balance = entry.after_balance;
    });
    if (wallet.balance !== balance) problems.push(`${key}: balance ${wallet.balance}, entries sum to ${balance}`);
    if (wallet.entry_count !== chain.length) problems.push(`${key}: entry_count ${wallet.entry_count}, ${chain.length} entries`);
    byWallet.delete(key);
  }
  for (const key of byWallet.keys()) problems.push(`${key}: entries without a wallet`);
  for (const customer of customers) {
    const count = customerSeqs.get(customer.id) ?? 0;
    if (customer.entry_count !== count) problems.push(`${customer.id}: entry_count ${customer.entry_count}, ${count} entries`);
  }
  return { problems, wallets: wallets.length, entries: entries.length };
}
