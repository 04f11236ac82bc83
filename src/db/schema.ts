// Table types for Kysely: the one description of the database both stores share.
import type { ColumnType, Generated } from 'kysely';

export interface BusinessesTable {
  id: string;
  name: string;
  created_at: string;
  /** IANA time zone that day buckets follow (migration 0013); 'UTC' by default. */
  time_zone: ColumnType<string, string | undefined, string>;
}

export interface ApiKeysTable {
  id: string;
  business_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  access: 'read_write' | 'read_only';
  created_at: string;
  revoked_at: string | null;
}

export interface CustomersTable {
  id: string;
  business_id: string;
  email: string;
  name: string;
  phone_number: string | null;
  metadata: string; // JSON object
  created_at: string;
  updated_at: string;
  /** Entries ever appended for this customer, all currencies: the last entry's customer_seq. */
  entry_count: Generated<number>;
}

export interface WalletsTable {
  customer_id: string;
  currency: string;
  business_id: string;
  balance: number;
  /** Entries ever appended to this wallet: the last entry's wallet_seq. */
  entry_count: number;
  created_at: string;
  updated_at: string;
  /** The earliest expires_at among the wallet's active lots (src/credits), or null when none expires. */
  next_expiry_at: string | null;
  /** What active holds reserve of the balance (src/holds); available = balance − held_amount. */
  held_amount: number;
  /**
   * The paid pool (migration 0019): what credits of paid money that never expires added (pool_in), what debits took
   * of it (pool_out), and what active holds reserve of the rest (pool_held, part of held_amount).
   */
  pool_in: number;
  pool_out: number;
  pool_held: number;
}

export interface LedgerEntriesTable {
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  /** 1 for a credit, 0 for a debit (an integer in both stores). */
  is_credit: number;
  event_type: string;
  reason: string | null;
  reference_object_id: string | null;
  /** The client's key, echoed on the wire; uniqueness lives in idempotency_records. */
  idempotency_key: string | null;
  before_balance: number;
  after_balance: number;
  /** Dense 1..n position among the customer's entries: pages are ranges of it. */
  customer_seq: number;
  /** Dense 1..n position among the wallet's entries (customer and currency). */
  wallet_seq: number;
  created_at: string;
  /**
   * The paid pool (migration 0019): a credit into it, where its money starts (the wallet's pool_in before it); a
   * debit that took pool_amount from it, where that starts (the wallet's pool_out before it). Null otherwise.
   */
  pool_offset: number | null;
  pool_amount: number | null;
}

/** One idempotency key of one business in one scope, the fingerprint of its command and what it produced. */
export interface IdempotencyRecordsTable {
  business_id: string;
  /** 'client' for keys API clients send; 'coffer:<purpose>' for keys Coffer derives for its own work. */
  scope: string;
  key: string;
  /** What the command would do (idempotency.ts `fingerprint`): a repeat with another fingerprint is a conflict. */
  fingerprint: string;
  result_type: string;
  /** The id of the row the command produced (a ledger entry today), or null for a command that writes none. */
  result_id: string | null;
  created_at: string;
}

/** A background job: a row per (kind, key), claimed under a lease by the job runtime (src/jobs). */
export interface JobsTable {
  id: string;
  kind: string;
  /** Unique per kind: enqueuing the same (kind, key) again is a no-op. */
  key: string;
  payload: string; // JSON value
  state: 'pending' | 'done' | 'failed';
  due_at: string;
  /** Claims so far, counting the one running now. */
  attempts: Generated<number>;
  /** NULL: the runtime's default applies. */
  attempts_max: number | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** One event of the outbox: written in the transaction of the change it reports, delivered after commit. */
export interface EventsTable {
  /** Insertion order, given by the store (events of one wallet are inserted in wallet_seq order). */
  seq: Generated<number>;
  /** `evt_…`: also the `webhook-id` of every delivery of it, so receivers de-duplicate by it. */
  id: string;
  business_id: string;
  type: string;
  /** The customer the event is about, when it is about one. */
  customer_id: string | null;
  /** The envelope's `data`, as JSON text fixed at commit: every delivery and the feed send these bytes. */
  data: string;
  created_at: string;
  /** Position in the events feed, given by the dispatcher; NULL until dispatched. */
  feed_seq: number | null;
}

/** The dispatcher's one row: the next feed position; its row lock serialises dispatchers across processes. */
export interface EventFeedStateTable {
  id: number;
  next_seq: number;
  /** The next feed position the webhook fan-out takes (migration 0008). */
  fanned_out_seq: number;
  updated_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  business_id: string;
  url: string;
  description: string;
  metadata: string; // JSON object of strings
  disabled: number; // 0 or 1
  disabled_reason: string | null;
  filter_types: string; // JSON array of event types; [] = all
  headers: string; // JSON object of strings
  /** Deliveries per second at most, per process; NULL: no limit. */
  rate_limit: number | null;
  /** `whsec_…` */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One delivery attempt of one event to one endpoint: the delivery log. */
export interface WebhookAttemptsTable {
  id: string;
  business_id: string;
  endpoint_id: string;
  event_id: string;
  job_id: string | null;
  attempt: number;
  started_at: string;
  status_code: number | null;
  latency_ms: number | null;
  outcome: 'succeeded' | 'failed' | 'skipped';
  error: string | null;
  /** When the next attempt is due, or null when this was the last. */
  next_attempt_at: string | null;
}

/** One wallet's own low-balance threshold: wallet.low_balance fires when an entry takes the balance below it. */
export interface LowBalanceThresholdsTable {
  customer_id: string;
  currency: string;
  business_id: string;
  amount: number;
  updated_at: string;
}

/** A business's low-balance threshold for every wallet of one currency that has none of its own. */
export interface LowBalanceDefaultsTable {
  business_id: string;
  currency: string;
  amount: number;
  updated_at: string;
}

/** One credit's money as a lot: spent in the consumption order (src/credits/lot-order.ts), expired at expires_at. */
export interface CreditLotsTable {
  /** `lot_…` */
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  /** What is left to spend (0 once spent or expired). */
  remaining_amount: number;
  /** What its expiration entry took (0 unless expired). */
  expired_amount: number;
  category: 'paid' | 'promotional';
  category_rank: number;
  expires_at: string | null;
  /** expires_at, or the never-expires sentinel: the index's first order key. */
  expires_order: string;
  status: 'active' | 'expired' | 'spent';
  /** The wallet_seq of the credit that made it (0 for an opening lot). */
  wallet_seq: number;
  source_entry_id: string | null;
  expiry_entry_id: string | null;
  notice_sent_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A customer's payment method (migration 0007). */
export interface PaymentMethodsTable {
  business_id: string;
  customer_id: string;
  payment_method_id: string;
  payment_method: string;
  payment_method_type: string | null;
  /** JSON object of the card fields, or null. */
  card: string | null;
  recurring_enabled: number | null;
  processor: 'simulated' | 'http';
  is_primary: number;
  fingerprint: string;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What one consuming entry (a debit, an expiration) took from one lot. */
export interface LotDrawsTable {
  entry_id: string;
  lot_id: string;
  amount: number;
}

/** A charge the simulated processor made, one per (business, idempotency key). */
export interface SimulatedChargesTable {
  id: string;
  business_id: string;
  idempotency_key: string;
  fingerprint: string;
  customer_id: string;
  payment_method_id: string;
  currency: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'declined' | 'failed';
  reason: string | null;
  refunded_amount: number;
  created_at: string;
  updated_at: string;
}

/** A refund the simulated processor made or refused, one per (business, idempotency key). */
export interface SimulatedRefundsTable {
  id: string;
  business_id: string;
  idempotency_key: string;
  fingerprint: string;
  charge_id: string;
  amount: number;
  status: 'succeeded' | 'declined';
  reason: string | null;
  created_at: string;
}

/** One lot's part of a hold: what the hold reserved from it. */
export interface HoldLotReservation {
  /** null: the wallet's paid pool (money that never expires), attributed to its credits oldest first when captured. */
  lot_id: string | null;
  amount: number;
}

export interface HoldsTable {
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  captured_amount: number;
  status: 'active' | 'captured' | 'released' | 'expired';
  reason: string | null;
  event_type: string;
  reference_object_id: string | null;
  expires_at: string | null;
  /** JSON array of HoldLotReservation, in consumption order. */
  lots: string;
  capture_entry_id: string | null;
  idempotency_scope: string;
  idempotency_key: string;
  created_at: string;
  updated_at: string;
}

export interface InvoicesTable {
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  total_amount: number;
  /** JSON array of {description, amount}. */
  line_items: string;
  wallet_mode: 'auto' | 'never' | 'cap';
  wallet_cap_amount: number | null;
  /** JSON object. */
  metadata: string;
  status: 'open' | 'processing' | 'paid' | 'void';
  payment_id: string | null;
  attempt_count: number;
  last_failure_code: string | null;
  last_failure_message: string | null;
  paid_at: string | null;
  created_at: string;
  updated_at: string;
  /** The subscription a renewal or a charge belongs to (0012). */
  subscription_id?: string | null;
  /** A renewal's period start; unique per subscription (null on charges and plain invoices). */
  subscription_period_start?: string | null;
}

export interface SubscriptionsTable {
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  billing_interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
  anchor_at: string;
  wallet_mode: 'auto' | 'never' | 'cap';
  wallet_cap_amount: number | null;
  payment_method_id: string | null;
  /** JSON object. */
  metadata: string;
  status: 'active' | 'on_hold' | 'paused' | 'cancelled' | 'expired';
  next_period_index: number;
  next_billing_date: string;
  previous_billing_date: string | null;
  cancel_at_next_billing_date: number;
  cancelled_at: string | null;
  paused_at: string | null;
  expires_at: string | null;
  dunning_attempt: number;
  dunning_started_at: string | null;
  dunning_next_retry_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PaymentsTable {
  id: string;
  business_id: string;
  customer_id: string;
  invoice_id: string;
  attempt: number;
  currency: string;
  total_amount: number;
  wallet_amount: number;
  method_amount: number;
  status: 'processing' | 'succeeded' | 'failed';
  step: 'started' | 'held' | 'charged' | 'done';
  hold_id: string | null;
  requested_payment_method_id: string | null;
  payment_method_id: string | null;
  processor: 'simulated' | 'http' | null;
  charge_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  /** Migration 0011: an invoice's payment or a top-up (whose invoice_id is its own id). */
  kind: 'invoice' | 'top_up';
  refunded_wallet_amount: number;
  refunded_method_amount: number;
  idempotency_key: string | null;
}

export interface RefundsTable {
  id: string;
  business_id: string;
  customer_id: string;
  payment_id: string;
  currency: string;
  amount: number;
  from_wallet_amount: number;
  from_method_amount: number;
  destination: 'original' | 'wallet';
  wallet_amount: number;
  card_amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  step: 'started' | 'wallet_done' | 'done';
  card_status: 'none' | 'pending' | 'succeeded' | 'failed_to_wallet';
  processor_refund_id: string | null;
  error_code: string | null;
  reason: string | null;
  metadata: string;
  created_at: string;
  updated_at: string;
  /** Migration 0018: the client's key, unique per business (null: none given). */
  idempotency_key: string | null;
}

export interface DisputesTable {
  id: string;
  business_id: string;
  customer_id: string;
  payment_id: string;
  currency: string;
  amount: number;
  kind: 'dispute' | 'reversal';
  status: 'opening' | 'open' | 'won' | 'lost' | 'reversed';
  hold_id: string | null;
  held_amount: number;
  taken_amount: number;
  shortfall_amount: number;
  reason: string | null;
  created_at: string;
  updated_at: string;
  /** The processor's id of a dispute it reported through the callback (unique per business); null for the simulated routes. */
  processor_dispute_id: string | null;
}

/** An event the HTTP processor sent to the callback, one per webhook-id (migration 0015). */
export interface ProcessorEventsTable {
  id: string;
  business_id: string;
  type: string;
  body_digest: string;
  status: 'received' | 'applied';
  object_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A wallet's auto-recharge setting (migration 0016, src/recharges). */
export interface AutoRechargesTable {
  customer_id: string;
  currency: string;
  business_id: string;
  enabled: number;
  disabled_reason: 'declines' | null;
  threshold_amount: number;
  amount: number;
  payment_method_id: string | null;
  cooldown_seconds: number;
  monthly_cap_amount: number;
  max_declines: number;
  declines: number;
  backoff_until: string | null;
  cooldown_until: string | null;
  last_attempt_at: string | null;
  /** The check job's generation (its key is `<customer>:<currency>:<checks>`). */
  checks: number;
  created_at: string;
  updated_at: string;
}

/** One auto-recharge: a top-up payment started because the wallet fell below its threshold (migration 0016). */
export interface AutoRechargeAttemptsTable {
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  payment_method_id: string | null;
  status: 'processing' | 'succeeded' | 'failed';
  available_balance_before: number;
  payment_id: string | null;
  job_key: string;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

/** A dashboard sign-in (migration 0014): the hash of the cookie's token and the API key it signed in with. */
export interface DashboardSessionsTable {
  /** SHA-256 (hex) of the session token the browser holds. */
  token_hash: string;
  business_id: string;
  api_key_id: string;
  created_at: string;
  expires_at: string;
}

/** What one wallet's entries of one local day and event type add up to (migration 0013, src/analytics). */
export interface WalletDayRollupsTable {
  customer_id: string;
  currency: string;
  /** YYYY-MM-DD in the business's time zone. */
  day: string;
  event_type: string;
  business_id: string;
  credit_amount: number;
  debit_amount: number;
  entry_count: number;
  /** Promotional money added (credits into promotional lots) minus what was drawn from promotional lots. */
  promotional_delta: number;
}

/** The same per local month; `month` is the month's first day (YYYY-MM-01). */
export interface WalletMonthRollupsTable extends Omit<WalletDayRollupsTable, 'day'> {
  month: string;
}

/** The wallet day rollups summed per business (migration 0017), kept with them by the rollup job. */
export type BusinessDayRollupsTable = Omit<WalletDayRollupsTable, 'customer_id'>;

/** How far one wallet's entries are rolled up: every wallet_seq <= rolled_seq, none after. */
export interface WalletRollupCursorsTable {
  customer_id: string;
  currency: string;
  business_id: string;
  rolled_seq: number;
  /** 1 while the last forecast put depletion within the horizon (wallet.depletion_forecast fires on 0 → 1). */
  forecast_in_horizon: Generated<number>;
  /** Every wallet_seq <= blocked_seq is in a statement block, none after (migration 0020). */
  blocked_seq: Generated<number>;
  updated_at: string;
}

/**
 * A run of one wallet's consecutive entries as a statement lists them (migration 0020, src/analytics): `entries` is
 * their JSON objects comma-separated in wallet_seq order, `totals` a JSON array of [event_type, credit_amount,
 * debit_amount, entry_count].
 */
export interface WalletStatementBlocksTable {
  customer_id: string;
  currency: string;
  first_seq: number;
  last_seq: number;
  business_id: string;
  entries: string;
  totals: string;
}

export interface Database {
  businesses: BusinessesTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  wallets: WalletsTable;
  ledger_entries: LedgerEntriesTable;
  idempotency_records: IdempotencyRecordsTable;
  jobs: JobsTable;
  events: EventsTable;
  event_feed_state: EventFeedStateTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_attempts: WebhookAttemptsTable;
  low_balance_thresholds: LowBalanceThresholdsTable;
  low_balance_defaults: LowBalanceDefaultsTable;
  credit_lots: CreditLotsTable;
  lot_draws: LotDrawsTable;
  payment_methods: PaymentMethodsTable;
  simulated_charges: SimulatedChargesTable;
  simulated_refunds: SimulatedRefundsTable;
  holds: HoldsTable;
  invoices: InvoicesTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  disputes: DisputesTable;
  dashboard_sessions: DashboardSessionsTable;
  subscriptions: SubscriptionsTable;
  wallet_day_rollups: WalletDayRollupsTable;
  wallet_month_rollups: WalletMonthRollupsTable;
  wallet_rollup_cursors: WalletRollupCursorsTable;
  business_day_rollups: BusinessDayRollupsTable;
  wallet_statement_blocks: WalletStatementBlocksTable;
  processor_events: ProcessorEventsTable;
  auto_recharges: AutoRechargesTable;
  auto_recharge_attempts: AutoRechargeAttemptsTable;
}
