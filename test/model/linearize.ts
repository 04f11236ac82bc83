// Explains the outcomes of concurrent requests: searches for a serial order in which the model gives every answer seen.
import type { LightMyRequestResponse } from 'fastify';
import type { LedgerEntriesTable } from '../../src/db/schema.ts';
import { responseMismatch, rowMismatch } from './compare.ts';
import type { LedgerModel, LedgerRequest } from './ledger-model.ts';

export type GroupItem =
  | { kind: 'post'; request: LedgerRequest; response: LightMyRequestResponse }
  | { kind: 'read'; businessId: string; customerId: string; response: LightMyRequestResponse };

/** Every permutation is tried at most once per prefix; groups hold at most a handful of requests. */
const groupItemsMax = 8;

/** A wallet read is a consistent snapshot, so it must equal the model at one point of the serial order. */
export function readMismatch(model: LedgerModel, businessId: string, customerId: string, response: LightMyRequestResponse): string | null {
  const customer = model.visibleCustomer(businessId, customerId);
  const body = response.json();
  if (!customer) {
    return response.statusCode === 404 && body.code === 'CUSTOMER_NOT_FOUND' ? null : `read got ${response.statusCode} ${body.code}, model says 404`;
  }
  if (response.statusCode !== 200) return `read got ${response.statusCode} ${body.code} (${body.message}), model says 200`;
  const items = body.items as Array<{ currency: string; balance: number; customer_id: string }>;
  if (items.length !== customer.balances.size) return `read shows ${items.length} wallets, model has ${customer.balances.size}`;
  for (const wallet of items) {
    const balance = customer.balances.get(wallet.currency);
    if (wallet.balance !== balance || wallet.customer_id !== customerId) {
      return `read shows ${wallet.currency} balance ${wallet.balance}, model has ${balance}`;
    }
  }
  return null;
}

/**
 * Finds an order of `items` such that applying them to the model one by one yields exactly the responses seen and
 * appends exactly `newRows` (per customer, in customer_seq order). On success the model is left in that state and
 * the order is returned; otherwise the model is unchanged and null is returned.
 */
export function linearize(model: LedgerModel, items: GroupItem[], newRows: Map<string, LedgerEntriesTable[]>): number[] | null {
  if (items.length > groupItemsMax) throw new Error(`a group holds at most ${groupItemsMax} requests`);
  const used = new Array<boolean>(items.length).fill(false);
  const consumed = new Map<string, number>();
  const order: number[] = [];

  const search = (): boolean => {
    if (order.length === items.length) {
      return [...newRows].every(([customerId, rows]) => (consumed.get(customerId) ?? 0) === rows.length);
    }
    for (let index = 0; index < items.length; index++) {
      if (used[index]) continue;
      const item = items[index];
      if (item.kind === 'read') {
        if (readMismatch(model, item.businessId, item.customerId, item.response) !== null) continue;
        used[index] = true;
        order.push(index);
        if (search()) return true;
        order.pop();
        used[index] = false;
        continue;
      }
      const { expected, undo } = model.post(item.request);
      let fits = responseMismatch(item.response, expected, item.request.customerId, item.request.currency) === null;
      const customerId = item.request.customerId;
      const position = consumed.get(customerId) ?? 0;
      const appended = expected.code === null && !expected.replayed;
      if (fits && appended) {
        fits = rowMismatch('entry', newRows.get(customerId)?.[position], expected.entry) === null;
      }
      if (fits) {
        used[index] = true;
        order.push(index);
        if (appended) consumed.set(customerId, position + 1);
        if (search()) return true;
        if (appended) consumed.set(customerId, position);
        order.pop();
        used[index] = false;
      }
      undo();
    }
    return false;
  };

  return search() ? order : null;
}

/** A readable account of a group nobody could explain, for the failure message. */
export function describeGroup(items: GroupItem[], newRows: Map<string, LedgerEntriesTable[]>): string {
  const lines = items.map((item, index) => {
    const answer = `${item.response.statusCode} ${item.response.body.slice(0, 160)}`;
    if (item.kind === 'read') return `  #${index} read ${item.customerId} as ${item.businessId} → ${answer}`;
    const r = item.request;
    return `  #${index} ${r.isCredit ? 'credit' : 'debit'} ${r.amount} ${r.currency} ${r.customerId} as ${r.businessId} key=${r.key} → ${answer}`;
  });
  for (const [customerId, rows] of newRows) {
    for (const row of rows) {
      lines.push(`  new row ${customerId} seq ${row.customer_seq}: ${row.is_credit ? 'credit' : 'debit'} ${row.amount} ${row.currency} ${row.before_balance}→${row.after_balance} key=${row.idempotency_key}`);
    }
  }
  return lines.join('\n');
}
