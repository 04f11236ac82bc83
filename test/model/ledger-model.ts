// In-memory model of wallets and idempotency keys: what Coffer should answer to each ledger request, applied serially.
import { walletBalanceMax } from '../../src/shared/money.ts';
import { currencies } from './commands.ts';

export interface LedgerRequest {
  businessId: string;
  customerId: string;
  currency: string;
  isCredit: boolean;
  amount: number;
  key: string | null;
  reason: string | null;
  /** A credit's lot fields, fixed when the request is made (a repeat resends the same instant). */
  lot?: { expiresAt: string | null; category: 'paid' | 'promotional' };
}

export interface ModelEntry {
  businessId: string;
  customerId: string;
  currency: string;
  amount: number;
  isCredit: boolean;
  key: string | null;
  reason: string | null;
  before: number;
  after: number;
  customerSeq: number;
  walletSeq: number;
  /** lotOf(the request that made it). */
  lot: string;
}

export interface ModelCustomer {
  id: string;
  businessId: string;
  entries: ModelEntry[];
  balances: Map<string, number>;
  walletEntryCounts: Map<string, number>;
}

export type Expected =
  /** Applied, or (replay mode) a repeat answered with the original 200: `replayed`, and nothing new is written. */
  | { status: 200; code: null; balance: number; entry: ModelEntry; replayed: boolean }
  | { status: 404; code: 'CUSTOMER_NOT_FOUND' }
  | { status: 422; code: 'UNSUPPORTED_CURRENCY' }
  | { status: 409; code: 'IDEMPOTENCY_KEY_ALREADY_USED'; entry: ModelEntry; balance: number }
  | { status: 409; code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST'; entry: ModelEntry }
  | { status: 400; code: 'INSUFFICIENT_WALLET_FUNDS'; balance: number }
  | { status: 400; code: 'WALLET_BALANCE_LIMIT_EXCEEDED'; balance: number };

const keyOf = (businessId: string, key: string) => `${businessId}\u0000${key}`;

/** The lot a request makes, as the server's fingerprint sees it: a credit's expiry and category; nothing for a debit. */
export const lotOf = (request: Pick<LedgerRequest, 'isCredit' | 'lot'>): string =>
  request.isCredit ? `${request.lot?.expiresAt ?? ''}:${request.lot?.category ?? 'paid'}` : '';
const noUndo = () => {};

export class LedgerModel {
  /** `replay`: COFFER_IDEMPOTENCY_REPLAY is on, so a same-body repeat gets the original 200 instead of a 409. */
  constructor(private readonly replay = false) {}

  readonly customers = new Map<string, ModelCustomer>();
  /** (business, idempotency key) → the entry that key created. A failed request does not use up its key. */
  readonly keys = new Map<string, ModelEntry>();

  addCustomer(id: string, businessId: string): ModelCustomer {
    const customer: ModelCustomer = {
      id,
      businessId,
      entries: [],
      balances: new Map(currencies.map((c) => [c, 0])),
      walletEntryCounts: new Map(currencies.map((c) => [c, 0])),
    };
    this.customers.set(id, customer);
    return customer;
  }

  /** The customer as `businessId` sees it: undefined when unknown or owned by another business. */
  visibleCustomer(businessId: string, customerId: string): ModelCustomer | undefined {
    const customer = this.customers.get(customerId);
    return customer && customer.businessId === businessId ? customer : undefined;
  }

  /** Applies one request; `undo` reverts it (used when searching for a serial order of concurrent requests). */
  post(request: LedgerRequest): { expected: Expected; undo: () => void } {
    if (!(currencies as readonly string[]).includes(request.currency)) {
      return { expected: { status: 422, code: 'UNSUPPORTED_CURRENCY' }, undo: noUndo };
    }
    const customer = this.visibleCustomer(request.businessId, request.customerId);
    if (!customer) return { expected: { status: 404, code: 'CUSTOMER_NOT_FOUND' }, undo: noUndo };

    if (request.key !== null) {
      const previous = this.keys.get(keyOf(request.businessId, request.key));
      if (previous) {
        const same =
          previous.customerId === request.customerId &&
          previous.currency === request.currency &&
          previous.amount === request.amount &&
          previous.isCredit === request.isCredit &&
          previous.lot === lotOf(request);
        if (!same) return { expected: { status: 409, code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', entry: previous }, undo: noUndo };
        if (this.replay) return { expected: { status: 200, code: null, balance: previous.after, entry: previous, replayed: true }, undo: noUndo };
        const balance = customer.balances.get(previous.currency)!;
        return { expected: { status: 409, code: 'IDEMPOTENCY_KEY_ALREADY_USED', entry: previous, balance }, undo: noUndo };
      }
    }

    const before = customer.balances.get(request.currency)!;
    if (!request.isCredit && before < request.amount) {
      return { expected: { status: 400, code: 'INSUFFICIENT_WALLET_FUNDS', balance: before }, undo: noUndo };
    }
    if (request.isCredit && before + request.amount > walletBalanceMax) {
      return { expected: { status: 400, code: 'WALLET_BALANCE_LIMIT_EXCEEDED', balance: before }, undo: noUndo };
    }
    const after = request.isCredit ? before + request.amount : before - request.amount;
    const walletSeq = customer.walletEntryCounts.get(request.currency)! + 1;
    const entry: ModelEntry = {
      businessId: request.businessId,
      customerId: request.customerId,
      currency: request.currency,
      amount: request.amount,
      isCredit: request.isCredit,
      key: request.key,
      reason: request.reason,
      lot: lotOf(request),
      before,
      after,
      customerSeq: customer.entries.length + 1,
      walletSeq,
    };
    customer.entries.push(entry);
    customer.balances.set(request.currency, after);
    customer.walletEntryCounts.set(request.currency, walletSeq);
    if (request.key !== null) this.keys.set(keyOf(request.businessId, request.key), entry);
    const undo = () => {
      customer.entries.pop();
      customer.balances.set(request.currency, before);
      customer.walletEntryCounts.set(request.currency, walletSeq - 1);
      if (request.key !== null) this.keys.delete(keyOf(request.businessId, request.key));
    };
    return { expected: { status: 200, code: null, balance: after, entry, replayed: false }, undo };
  }

  /** Entries a page of GET …/ledger-entries holds: newest first, optionally one currency. */
  page(customer: ModelCustomer, currency: string | null, pageSize: number, pageNumber: number): ModelEntry[] {
    const entries = customer.entries.filter((e) => currency === null || e.currency === currency).reverse();
    return entries.slice(pageNumber * pageSize, pageNumber * pageSize + pageSize);
  }
}
