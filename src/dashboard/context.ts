// What every dashboard page module gets: the services it calls, and the signed-in viewer of the request.
import type { Kysely } from 'kysely';
import type { AnalyticsService } from '../analytics/analytics-service.ts';
import type { Principal } from '../auth/authenticate.ts';
import type { BillingService } from '../billing/billing-service.ts';
import type { RefundService } from '../billing/refund-service.ts';
import type { LotService } from '../credits/lot-service.ts';
import type { CustomerService } from '../customers/customer-service.ts';
import type { Database } from '../db/schema.ts';
import type { HoldService } from '../holds/hold-service.ts';
import type { LedgerService } from '../ledger/ledger-service.ts';
import type { LowBalanceService } from '../ledger/low-balance-service.ts';
import type { Clock } from '../shared/clock.ts';
import type { SubscriptionService } from '../subscriptions/subscription-service.ts';
import type { DeliveryService } from '../webhooks/delivery-service.ts';
import type { WebhookEndpointService } from '../webhooks/endpoint-service.ts';
import type { Viewer } from './layout.ts';

export interface DashboardServices {
  /** For the reads in dashboard-repo.ts only (no service answers them yet). */
  db: Kysely<Database>;
  clock: Clock;
  currencies: readonly string[];
  /** What a wallet shows as expiring: lots that expire within this many days (COFFER_EXPIRING_WINDOW_DAYS). */
  expiringWindowDays: number;
  customers: CustomerService;
  ledger: LedgerService;
  lowBalance: LowBalanceService;
  webhookEndpoints: WebhookEndpointService;
  deliveries: DeliveryService;
  lots: LotService;
  holds: HoldService;
  billing: BillingService;
  refunds: RefundService;
  subscriptions: SubscriptionService;
  /** Trends, forecasts and the business reports (docs/analytics.md). */
  analytics: AnalyticsService;
}

/** A signed-in request: its principal (from the session's API key, authenticated again) and how pages show it. */
export interface SignedIn {
  principal: Principal;
  viewer: Viewer;
  /** The request came from htmx: answer with the fragment it asked for, not the whole page. */
  htmx: boolean;
  /** The id of the element htmx will swap (HX-Target), when it said. */
  target: string | undefined;
}

/** What a page handler answers: a status and markup (a whole page, or a fragment for htmx). */
export interface PageAnswer {
  status?: number;
  body: { toString(): string };
}

/** The first value of a query or form field, as text (arrays, objects and absent fields read as undefined). */
export function field(source: unknown, name: string, lengthMax = 200): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value = (source as Record<string, unknown>)[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || text.length > lengthMax) return undefined;
  return text;
}

/** A page number from the query: 0 when absent or not a small non-negative integer. */
export function pageNumber(source: unknown, pagesMax = 10_000): number {
  const text = field(source, 'page', 6);
  if (text === undefined || !/^\d+$/.test(text)) return 0;
  return Math.min(Number(text), pagesMax);
}
