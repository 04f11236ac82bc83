// What each load phase sends: fresh idempotency keys on every post, credits and debits mixed, wallets picked uniformly.
import { randomBase62 } from '../src/shared/ids.ts';
import { type SeededIds, customerId } from './seed.ts';

export type Next = () => { path: string; body?: string };

const runId = randomBase62(8);
let phaseCounter = 0;

const randomInt = (n: number) => Math.floor(Math.random() * n);

/** Posts of 1..1000 minor units, half credits and half debits, each with a key never used before. */
export function ledgerPosts(pickCustomer: () => string): Next {
  const phase = ++phaseCounter;
  let sequence = 0;
  return () => {
    const body = {
      amount: 1 + randomInt(1000),
      currency: 'USD',
      entry_type: Math.random() < 0.5 ? 'credit' : 'debit',
      idempotency_key: `bench-${runId}-${phase}-${sequence++}`,
      reason: 'bench',
    };
    return { path: `/customers/${pickCustomer()}/wallets/ledger-entries`, body: JSON.stringify(body) };
  };
}

/** Debits of 1..1000 on the wallet holding ids.lotsCount active lots, each with a key never used before. */
export function lotDebits(ids: SeededIds): Next {
  const phase = ++phaseCounter;
  let sequence = 0;
  return () => ({
    path: `/customers/${ids.lotsCustomerId}/wallets/ledger-entries`,
    body: JSON.stringify({ amount: 1 + randomInt(1000), currency: 'USD', entry_type: 'debit', idempotency_key: `bench-${runId}-${phase}-${sequence++}`, reason: 'bench' }),
  });
}

export const uniformPosts = (ids: SeededIds): Next => ledgerPosts(() => customerId(randomInt(ids.customerCount)));
export const hotPosts = (ids: SeededIds): Next => ledgerPosts(() => ids.hotCustomerId);

export const walletReads = (ids: SeededIds): Next => () => ({ path: `/customers/${customerId(randomInt(ids.customerCount))}/wallets` });

export const pageSize = 10;
/** Pages among the last 100 of the customer's ledger (page_number counts from the newest entry, so these are the oldest). */
export function deepPages(customer: string, entryCount: number): Next {
  const lastPage = Math.ceil(entryCount / pageSize) - 1;
  return () => ({
    path: `/customers/${customer}/wallets/ledger-entries?page_size=${pageSize}&page_number=${lastPage - randomInt(Math.min(100, lastPage + 1))}`,
  });
}
