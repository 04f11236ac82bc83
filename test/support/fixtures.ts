// Helpers shared by the HTTP suites: make customers, post entries, page through lists, and read the database directly.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApiKey, createBusiness } from '../../src/businesses/business-service.ts';
import { type StoreKind, loadConfig } from '../../src/config/config.ts';
import { type Store, openStore } from '../../src/db/database.ts';
import { type CofferApp, buildCoffer } from '../../src/app/coffer.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createTestDatabase, openTestStore } from './stores.ts';
import type { WireCustomer } from '../../src/customers/customer-service.ts';
import type { WireEntry } from '../../src/ledger/ledger-service.ts';
import type { WalletSnapshot as WireWallet } from '../../src/ledger/commands.ts';
import type { TestApp } from './test-app.ts';

export type { WireCustomer, WireEntry, WireWallet };

export interface EntryBody {
  amount: unknown;
  currency: unknown;
  entry_type: unknown;
  idempotency_key?: unknown;
  reason?: unknown;
  [extra: string]: unknown;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let customerCounter = 0;

/** Creates a customer (asserting 200) and returns its wire form. */
export async function createCustomer(
  t: TestApp,
  body: Record<string, unknown> = {},
  key?: string,
): Promise<WireCustomer> {
  customerCounter += 1;
  const response = await t.request('POST', '/customers', {
    body: { email: `customer${customerCounter}@example.com`, name: `Customer ${customerCounter}`, ...body },
    key,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export function postEntry(t: TestApp, customerId: string, body: EntryBody, key?: string): Promise<LightMyRequestResponse> {
  return t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body, key });
}

/** Posts an entry that must succeed; returns the wallet. */
export async function mustPost(t: TestApp, customerId: string, body: EntryBody, key?: string): Promise<WireWallet> {
  const response = await postEntry(t, customerId, body, key);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export const credit = (t: TestApp, customerId: string, amount: number, currency = 'USD', extra: Partial<EntryBody> = {}) =>
  mustPost(t, customerId, { amount, currency, entry_type: 'credit', ...extra });

export const debit = (t: TestApp, customerId: string, amount: number, currency = 'USD', extra: Partial<EntryBody> = {}) =>
  mustPost(t, customerId, { amount, currency, entry_type: 'debit', ...extra });

export async function listWallets(t: TestApp, customerId: string, key?: string): Promise<{ items: WireWallet[]; total_balance_usd: number }> {
  const response = await t.request('GET', `/customers/${customerId}/wallets`, { key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function balanceOf(t: TestApp, customerId: string, currency: string): Promise<number> {
  const wallet = (await listWallets(t, customerId)).items.find((w) => w.currency === currency);
  expect(wallet, `wallet ${currency}`).toBeDefined();
  return wallet!.balance;
}

export async function entriesPage(
  t: TestApp,
  customerId: string,
  query: { page_number?: number; page_size?: number; currency?: string } = {},
): Promise<WireEntry[]> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const response = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries${search ? `?${search}` : ''}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

/** Every entry of a customer (optionally of one currency), newest first, paging until an empty page like the SDK. */
export async function allEntries(t: TestApp, customerId: string, currency?: string): Promise<WireEntry[]> {
  const entries: WireEntry[] = [];
  for (let pageNumber = 0; pageNumber < 1000; pageNumber++) {
    const items = await entriesPage(t, customerId, { page_number: pageNumber, page_size: 100, ...(currency ? { currency } : {}) });
    if (items.length === 0) return entries;
    entries.push(...items);
  }
  throw new Error('more than 1000 pages');
}

/** A second connection to the test app's database, to check what was really written. Close it after use. */
export async function openSideStore(t: TestApp): Promise<Store> {
  return openStore(loadConfig(t.env));
}

/** Another Coffer app on the same database with different settings (e.g. a currency added later). */
export async function buildSiblingApp(t: TestApp, extraEnv: Record<string, string>): Promise<CofferApp> {
  const config = loadConfig({ COFFER_RATE_LIMIT_PER_SECOND: '0', ...t.env, ...extraEnv });
  const coffer = await buildCoffer({ config, store: await openStore(config), logger: false });
  await coffer.app.ready();
  return coffer;
}

/** True when a response body looks like it leaks internals: a stack frame, a source path or SQL. */
export function leaksInternals(body: string): boolean {
  return /\bat \S+ \(|\.ts:\d+|node_modules|\bselect\b.*\bfrom\b|\binsert into\b|\bupdate \w+ set\b|sqlite_|SQLITE_|violates|constraint|syntax error|stack/i.test(
    body,
  );
}

export interface LoggedApp {
  coffer: CofferApp;
  apiKey: string;
  /** Every log line written so far, as written (one JSON document per line). */
  lines: string[];
  close(): Promise<void>;
}

/** A Coffer app with real pino logging at info level, writing into `lines` instead of stdout. */
export async function startLoggedApp(kind: StoreKind): Promise<LoggedApp> {
  const database = await createTestDatabase(kind);
  const { config, store } = await openTestStore(database, { COFFER_RATE_LIMIT_PER_SECOND: '0', COFFER_LOG_LEVEL: 'info' });
  const lines: string[] = [];
  const loggerStream = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter((line) => line !== '')) };
  const coffer = await buildCoffer({ config, store, loggerStream });
  await coffer.app.ready();
  const business = await createBusiness(store.db, systemClock, 'Logged business');
  const key = await createApiKey(store.db, systemClock, { businessId: business.id, access: 'read_write' });
  return {
    coffer,
    apiKey: key.secret,
    lines,
    async close() {
      await coffer.close();
      await database.drop();
    },
  };
}
