// `coffer demo`: fills a fresh store with a demo business and months of activity, through the real HTTP API and writer.
import { createApiKey, createBusiness } from '../businesses/business-service.ts';
import type { Config } from '../config/config.ts';
import type { Store } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import { buildDemoApp } from './demo-app.ts';
import { type DemoEvent, type EntryKind, planDemo } from './demo-plan.ts';

export interface DemoOptions {
  customers: number;
  months: number;
  seed: number;
  force: boolean;
  /** The story ends here (default: the real now). */
  endMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoSummary {
  businessId: string;
  businessName: string;
  apiKey: string;
  customers: number;
  entries: Record<EntryKind, number>;
  /** Sum of the final balances per currency, in minor units. */
  balances: Record<string, number>;
  firstEntryAt: string | null;
  lastEntryAt: string | null;
  requests: number;
}

export type DemoResult = { ok: true; summary: DemoSummary } | { ok: false; message: string };

export const demoCustomersMax = 10_000;
export const demoMonthsMax = 36;

/** A clock the demo moves through the months; the API stamps each request with the story's time of its event. */
class StoryClock implements Clock {
  private currentMs = 0;
  /** Never backwards: the ledger's timestamps follow its sequences. */
  moveTo(atMs: number): void {
    this.currentMs = Math.max(this.currentMs, atMs);
  }
  now(): Date {
    return new Date(this.currentMs);
  }
}

export async function runDemo(config: Config, store: Store, options: DemoOptions): Promise<DemoResult> {
  const existing = await store.db.selectFrom('customers').select('id').limit(1).execute();
  if (existing.length > 0 && !options.force) {
    return { ok: false, message: 'the store already has customers; coffer demo fills a fresh store (pass --force to add a demo business anyway)' };
  }
  const plan = planDemo({ ...options, endMs: options.endMs ?? Date.now(), currencies: config.currencies });
  const clock = new StoryClock();
  clock.moveTo(plan.startMs - 86_400_000);
  const businessName = 'Demo Coffee Roasters';
  const business = await createBusiness(store.db, clock, businessName);
  const key = await createApiKey(store.db, clock, { businessId: business.id, access: 'read_write', name: 'demo key' });

  const coffer = await buildDemoApp(config, store, clock);
  const customerIds = new Map<number, string>();
  const entries: Record<EntryKind, number> = { welcome_bonus: 0, deposit: 0, purchase: 0, refund: 0 };
  let firstEntryAt: string | null = null;
  let lastEntryAt: string | null = null;
  let done = 0;
  const send = async (event: DemoEvent) => {
    const url = event.kind === 'join' ? '/customers' : `/customers/${customerIds.get(event.customer)}/wallets/ledger-entries`;
    const payload =
      event.kind === 'join'
        ? event.body
        : { amount: event.amount, currency: event.currency, entry_type: event.entryType, reason: event.reason, idempotency_key: event.key };
    const response = await coffer.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key.secret}` }, payload });
    if (response.statusCode !== 200) {
      throw new Error(`demo request ${event.kind} for customer ${event.customer + 1} failed: ${response.statusCode} ${response.body}`);
    }
    if (event.kind === 'join') {
      customerIds.set(event.customer, response.json().customer_id);
    } else {
      entries[event.kind] += 1;
      const createdAt = (response.json() as { updated_at: string }).updated_at;
      if (firstEntryAt === null || createdAt < firstEntryAt) firstEntryAt = createdAt;
      if (lastEntryAt === null || createdAt > lastEntryAt) lastEntryAt = createdAt;
    }
    done += 1;
  };
  try {
    // One request at a time, each at its event's time: every entry gets its own timestamp (a batch shares one).
    for (const event of plan.events) {
      clock.moveTo(event.atMs);
      await send(event);
      if (done % 50 === 0 || done === plan.events.length) options.onProgress?.(done, plan.events.length);
    }
  } finally {
    await coffer.close();
  }
  const balances: Record<string, number> = {};
  for (const event of plan.events) {
    if (event.kind !== 'join') balances[event.currency] = (balances[event.currency] ?? 0) + (event.entryType === 'credit' ? event.amount : -event.amount);
  }
  return {
    ok: true,
    summary: { businessId: business.id, businessName, apiKey: key.secret, customers: customerIds.size, entries, balances, firstEntryAt, lastEntryAt, requests: done },
  };
}
