// The demo's story, decided up front and deterministic per seed: who joins when, and every top-up, purchase and refund.
import { type Random, cities, firstNames, lastNames, products, seededRandom, signupSources } from './demo-people.ts';

export interface DemoPlanOptions {
  customers: number;
  months: number;
  seed: number;
  /** The end of the story (now); it starts `months` calendar months earlier. */
  endMs: number;
  /** Wallet currencies of the store; the demo uses USD and INR when configured, otherwise the first two. */
  currencies: readonly string[];
}

export interface CustomerBody {
  email: string;
  name: string;
  phone_number: string | null;
  metadata: Record<string, string | number | boolean>;
}

export type EntryKind = 'welcome_bonus' | 'deposit' | 'purchase' | 'refund';

export type DemoEvent =
  | { kind: 'join'; atMs: number; customer: number; body: CustomerBody }
  | { kind: EntryKind; atMs: number; customer: number; currency: string; amount: number; entryType: 'credit' | 'debit'; reason: string; key: string };

export interface DemoPlan {
  startMs: number;
  endMs: number;
  /** Sorted by time; each customer's events in the order their balances were decided. */
  events: DemoEvent[];
}

const dayMs = 86_400_000;
/** Minor units per "dollar-sized" step of each currency (INR amounts are ~80× the USD ones). */
const scaleOf = (currency: string) => (currency === 'INR' ? 80 : 1);

function startOf(endMs: number, months: number): number {
  const start = new Date(endMs);
  start.setUTCMonth(start.getUTCMonth() - months);
  return start.getTime();
}

export function planDemo(options: DemoPlanOptions): DemoPlan {
  const random = seededRandom(options.seed);
  const startMs = startOf(options.endMs, options.months);
  const primary = options.currencies.includes('USD') ? 'USD' : options.currencies[0];
  const secondary = options.currencies.includes('INR') ? 'INR' : (options.currencies.find((c) => c !== primary) ?? primary);
  const events: DemoEvent[] = [];
  for (let customer = 0; customer < options.customers; customer++) {
    events.push(...customerStory(random, customer, { ...options, startMs, primary, secondary }));
  }
  // Stable sort: one customer's events keep the order their balances were decided in.
  events.sort((a, b) => a.atMs - b.atMs);
  return { startMs, endMs: options.endMs, events };
}

function customerStory(
  random: Random,
  customer: number,
  options: DemoPlanOptions & { startMs: number; primary: string; secondary: string },
): DemoEvent[] {
  const first = random.pick(firstNames);
  const last = random.pick(lastNames);
  const place = random.pick(cities);
  const home = place.country === 'IN' ? options.secondary : options.primary;
  const away = home === options.primary ? options.secondary : options.primary;
  const usesBoth = away !== home && random.chance(0.2);
  const joinMs = options.startMs + Math.floor(random.next() * 0.85 * (options.endMs - options.startMs));
  const emailName = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
  const body: CustomerBody = {
    email: `${emailName}.${customer + 1}@example.com`,
    name: `${first} ${last}`,
    phone_number: random.chance(0.6) ? (place.country === 'IN' ? `+91 98${random.int(10_000_000, 99_999_999)}` : `+1 555 ${random.int(1_000_000, 9_999_999)}`) : null,
    metadata: { city: place.city, country: place.country, plan: random.pick(['standard', 'standard', 'gold']), signup_source: random.pick(signupSources) },
  };
  const events: DemoEvent[] = [{ kind: 'join', atMs: joinMs, customer, body }];
  const balances = new Map<string, number>();
  let entryNumber = 0;
  const entry = (kind: EntryKind, atMs: number, currency: string, amount: number, reason: string) => {
    const isCredit = kind !== 'purchase';
    balances.set(currency, (balances.get(currency) ?? 0) + (isCredit ? amount : -amount));
    entryNumber += 1;
    events.push({ kind, atMs, customer, currency, amount, entryType: isCredit ? 'credit' : 'debit', reason, key: `demo-s${options.seed}-c${customer + 1}-e${entryNumber}` });
  };

  let atMs = joinMs + random.int(1, 30) * 60_000;
  if (atMs < options.endMs) entry('welcome_bonus', atMs, home, 500 * scaleOf(home), 'Welcome bonus');
  const activityPerWeek = random.pick([0.5, 1, 1, 2, 3]);
  for (;;) {
    atMs += Math.floor((7 * dayMs * (0.2 + random.next() * 1.6)) / activityPerWeek);
    if (atMs >= options.endMs) break;
    const currency = usesBoth && random.chance(0.25) ? away : home;
    const scale = scaleOf(currency);
    const balance = balances.get(currency) ?? 0;
    const price = random.int(3, 45) * 100 * scale + random.pick([0, 25, 50, 75]) * scale;
    if (balance < price || random.chance(0.25)) {
      entry('deposit', atMs, currency, random.pick([20, 25, 50, 50, 100, 200]) * 100 * scale, 'Prepaid top-up');
      continue;
    }
    const order = `ORD-${(customer + 1).toString(36).toUpperCase()}${entryNumber.toString(36).toUpperCase()}`;
    entry('purchase', atMs, currency, price, `${random.pick(products)} (order ${order})`);
    const refundMs = atMs + random.int(1, 5) * dayMs;
    if (random.chance(0.08) && refundMs < options.endMs) {
      atMs = refundMs;
      entry('refund', atMs, currency, random.chance(0.5) ? price : Math.ceil(price / 2), `Refund kept as balance for order ${order}`);
    }
  }
  return events;
}
