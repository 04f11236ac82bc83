// Parses the process environment once into a typed, frozen configuration; no other module reads process.env.
import { paymentRecoveryDelayMs } from '../billing/billing-limits.ts';
import { dunningRetriesMax, dunningRetryHoursDefault, dunningRetryHoursMax } from '../subscriptions/subscription-limits.ts';
import path from 'node:path';
import { type JobLimits, jobAttemptsMaxLimit, jobLimitsDefault } from '../jobs/job-limits.ts';
import { expiringNoticeHoursDefault, expiringWindowDaysDefault } from '../credits/credit-limits.ts';
import { webhookTimeoutMs } from '../webhooks/delivery-schedule.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly store: StoreKind;
  /** SQLite file path, or the PostgreSQL connection string. */
  readonly databaseUrl: string;
  /** PostgreSQL schema Coffer's tables live in (created if absent); ignored on SQLite. */
  readonly databaseSchema: string;
  readonly databasePoolSizeMax: number;
  readonly bootstrapApiKey: string | null;
  /** Currencies wallets hold, ISO 4217 upper case. */
  readonly currencies: readonly string[];
  /** USD value of one major unit of each currency, as a decimal string ("0.012" for INR). */
  readonly fxRatesToUsd: Readonly<Record<string, string>>;
  /** When true, a repeat of an idempotency key with the same payload replays the original 200 instead of a 409. */
  readonly idempotencyReplay: boolean;
  readonly batchSizeMax: number;
  readonly batchWaitMs: number;
  /** PostgreSQL: ledger batches in flight at once, each in its own transaction (SQLite always runs one). */
  readonly postgresBatchesInFlight: number;
  /** Ledger commands that may wait for a batch; beyond it a write is refused with 503 SERVER_BUSY. */
  readonly writeQueueMax: number;
  readonly bodyBytesMax: number;
  /** Requests per second allowed per API key, in each process; 0 disables the limiter. */
  readonly rateLimitPerSecond: number;
  /** Most requests one key can make at once (the token bucket's size). */
  readonly rateLimitBurst: number;
  /** SQLite `synchronous` level; anything below FULL is refused unless allowNonDurable (a testing knob). */
  readonly sqliteSynchronous: SqliteSynchronous;
  /** How often a background thread checkpoints SQLite's WAL (0: only the writer's own autocheckpoint). */
  readonly sqliteCheckpointIntervalMs: number;
  /** Allows starting on settings that can lose acknowledged commits (logged as a warning). */
  readonly allowNonDurable: boolean;
  readonly logLevel: string;
  readonly apiKeyCacheMs: number;
  readonly shutdownTimeoutMs: number;
  /** The background-job runtime's limits (src/jobs/job-limits.ts). */
  readonly jobs: Readonly<JobLimits>;
  /** When set, GET /metrics requires `Authorization: Bearer <this token>`. */
  readonly metricsToken: string | null;
  /** When set, /metrics is served on its own listener (at `host`) on this port instead of the API port. */
  readonly metricsPort: number | null;
  /** Lets webhook URLs reach loopback, private, link-local and metadata addresses (local development, tests). */
  readonly webhookAllowPrivateUrls: boolean;
  /** A webhook receiver that has not answered within this long has failed the attempt. */
  readonly webhookTimeoutMs: number;
  /** wallet.credits_expiring is sent this long before a lot expires (once per lot). */
  readonly creditsExpiringNoticeHours: number;
  /** GET …/wallets shows as expiring_amount what expires within this many days. */
  readonly expiringWindowDays: number;
  /** Where the HTTP payment processor sends charges and refunds (docs/payments.md); null: `processor: "http"` is refused. */
  readonly paymentProcessorUrl: string | null;
  /** The Standard Webhooks secret (`whsec_…`) those calls are signed with; required with the URL. */
  readonly paymentProcessorSecret: string | null;
  /** A processor call without a final answer within this long is pending_unknown (also pm_card_times_out's wait). */
  readonly paymentProcessorTimeoutMs: number;
  /** Lets the processor URL reach loopback, private, link-local and metadata addresses (local development, tests). */
  readonly paymentProcessorAllowPrivateUrls: boolean;
  /** How long the simulated pm_card_fails_after_delay takes before it fails. */
  readonly paymentSimulatedDelayMs: number;
  /** A pause after each persisted step of an invoice payment: only for crash tests (a kill lands between two steps). */
  readonly billingStepPauseMs: number;
  /** How long after a payment starts its recovery job is due (it resumes a payment a crash or a silent processor left processing). */
  readonly billingRecoveryDelayMs: number;
  /** How long a dashboard sign-in lasts; then the dashboard asks for the API key again. */
  readonly dashboardSessionMs: number;
  /** Dunning: the retries of a failed renewal, in hours after its first failure (ascending); after the last, cancel. */
  readonly dunningRetryHours: readonly number[];
  /** How often the analytics.rollup job looks for entries to roll up once it has caught up; 0: the job does not run. */
  readonly rollupIntervalMs: number;
  /** The trailing window of local days a depletion forecast's burn rate is measured over. */
  readonly forecastWindowDays: number;
  /** wallet.depletion_forecast fires once when the projected depletion comes within this many days. */
  readonly forecastHorizonDays: number;
}

export const sqliteSynchronousLevels = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
export type SqliteSynchronous = (typeof sqliteSynchronousLevels)[number];

/** 1,000 requests per second per key with bursts of 2,000: far above any one merchant's normal traffic. */
export const defaultRateLimitPerSecond = 1000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n- ${problems.join('\n- ')}`);
  }
}

const currencyPattern = /^[A-Z]{3}$/;
/** At most 12 decimal places: money.ts computes with rates scaled by 10^12 and would drop further digits. */
const decimalPattern = /^\d+(\.\d{1,12})?$/;

export const defaultFxRatesToUsd: Record<string, string> = { USD: '1', INR: '0.012' };

/** The processor URL is an absolute http(s) URL without credentials, and comes with a whsec_ secret. */
function paymentProcessorProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.paymentProcessorUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(config.paymentProcessorUrl);
    } catch {
      problems.push('COFFER_PAYMENT_PROCESSOR_URL must be an absolute http or https URL');
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('COFFER_PAYMENT_PROCESSOR_URL must use http or https');
    if (url && (url.username !== '' || url.password !== '')) problems.push('COFFER_PAYMENT_PROCESSOR_URL must not carry credentials (the requests are signed)');
    if (config.paymentProcessorSecret === null) problems.push('COFFER_PAYMENT_PROCESSOR_SECRET must be set with COFFER_PAYMENT_PROCESSOR_URL');
  }
  const secret = config.paymentProcessorSecret;
  if (secret !== null && !/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(secret)) {
    problems.push('COFFER_PAYMENT_PROCESSOR_SECRET must be a Standard Webhooks secret: whsec_ and the base64 of at least 24 random bytes');
  }
  return problems;
}

/** COFFER_DUNNING_RETRY_HOURS: "24,72,168" (the default), "none" for no retries (cancel at the first failure). */
function dunningSchedule(raw: string | undefined, problems: string[]): readonly number[] {
  if (raw === undefined || raw.trim() === '') return dunningRetryHoursDefault;
  if (raw.trim().toLowerCase() === 'none') return [];
  const hours = raw.split(',').map((part) => part.trim());
  const valid = hours.every((h) => /^\d+$/.test(h) && Number(h) >= 1 && Number(h) <= dunningRetryHoursMax);
  const values = hours.map(Number);
  if (!valid || hours.length > dunningRetriesMax || values.some((h, i) => i > 0 && h <= values[i - 1])) {
    problems.push(`COFFER_DUNNING_RETRY_HOURS must be "none" or 1 to ${dunningRetriesMax} ascending whole hours from 1 to ${dunningRetryHoursMax}, comma-separated (e.g. 24,72,168), got "${raw}"`);
    return dunningRetryHoursDefault;
  }
  return Object.freeze(values);
}

/** Reads every setting, collects every problem, and throws them together. */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return false;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return false;
  };

  const rawUrl = env.DATABASE_URL ?? '';
  let store: StoreKind = 'sqlite';
  let databaseUrl: string;
  if (rawUrl === '') {
    databaseUrl = path.resolve(cwd, 'data', 'coffer.db');
  } else if (/^postgres(ql)?:\/\//.test(rawUrl)) {
    store = 'postgres';
    databaseUrl = rawUrl;
  } else if (rawUrl.startsWith('file:')) {
    databaseUrl = path.resolve(cwd, decodeURIComponent(rawUrl.slice('file:'.length).replace(/^\/\/(?=\/)/, '')));
  } else if (/^[a-z]+:\/\//i.test(rawUrl)) {
    problems.push(`DATABASE_URL must be a file path, a file: URL or a postgres:// URL, got "${rawUrl.split(':')[0]}:…"`);
    databaseUrl = '';
  } else {
    databaseUrl = path.resolve(cwd, rawUrl);
  }

  const databaseSchema = env.COFFER_DB_SCHEMA || 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema)) {
    problems.push(`COFFER_DB_SCHEMA must be a lower-case SQL identifier, got "${databaseSchema}"`);
  }

  // Deduplicated: a currency named twice would otherwise make two wallets of one currency per customer.
  const currencies = [...new Set((env.COFFER_CURRENCIES || 'USD,INR').split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))];
  for (const currency of currencies) {
    if (!currencyPattern.test(currency)) problems.push(`COFFER_CURRENCIES has "${currency}", not a 3-letter ISO 4217 code`);
  }
  if (currencies.length === 0) problems.push('COFFER_CURRENCIES must name at least one currency');

  const fxRatesToUsd: Record<string, string> = { ...defaultFxRatesToUsd };
  for (const pair of (env.COFFER_FX_RATES || '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [currency, rate] = pair.split('=').map((p) => p.trim());
    if (!currency || !currencyPattern.test(currency.toUpperCase()) || !rate || !decimalPattern.test(rate)) {
      problems.push(`COFFER_FX_RATES entry "${pair}" must look like INR=0.012 (USD per one major unit, at most 12 decimal places)`);
      continue;
    }
    fxRatesToUsd[currency.toUpperCase()] = rate;
  }
  fxRatesToUsd.USD = '1';
  for (const currency of currencies) {
    if (!(currency in fxRatesToUsd)) problems.push(`COFFER_FX_RATES has no rate for wallet currency ${currency}`);
  }

  const port = integer('PORT', 8080, 0, 65535);
  const rateLimitPerSecond = integer('COFFER_RATE_LIMIT_PER_SECOND', defaultRateLimitPerSecond, 0, 1_000_000);
  const rateLimitBurst = integer('COFFER_RATE_LIMIT_BURST', Math.max(1, 2 * rateLimitPerSecond), 0, 10_000_000);
  if (rateLimitPerSecond > 0 && rateLimitBurst < 1) {
    problems.push('COFFER_RATE_LIMIT_BURST must be at least 1 while the rate limit is on (COFFER_RATE_LIMIT_PER_SECOND > 0)');
  }
  const sqliteSynchronous = (env.COFFER_SQLITE_SYNCHRONOUS || 'FULL').toUpperCase() as SqliteSynchronous;
  if (!sqliteSynchronousLevels.includes(sqliteSynchronous)) {
    problems.push(`COFFER_SQLITE_SYNCHRONOUS must be one of ${sqliteSynchronousLevels.join(', ')}, got "${env.COFFER_SQLITE_SYNCHRONOUS}"`);
  }
  const config: Config = {
    host: env.HOST || '127.0.0.1',
    port,
    store,
    databaseUrl,
    databaseSchema,
    databasePoolSizeMax: integer('COFFER_DB_POOL_SIZE', 10, 1, 200),
    bootstrapApiKey: env.COFFER_BOOTSTRAP_API_KEY || null,
    currencies: Object.freeze(currencies),
    fxRatesToUsd: Object.freeze(fxRatesToUsd),
    idempotencyReplay: flag('COFFER_IDEMPOTENCY_REPLAY'),
    batchSizeMax: integer('COFFER_BATCH_SIZE_MAX', 256, 1, 4096),
    batchWaitMs: integer('COFFER_BATCH_WAIT_MS', 0, 0, 1000),
    postgresBatchesInFlight: integer('COFFER_PG_BATCHES_IN_FLIGHT', 2, 1, 16),
    writeQueueMax: integer('COFFER_WRITE_QUEUE_MAX', 4096, 1, 1_000_000),
    bodyBytesMax: integer('COFFER_BODY_BYTES_MAX', 65536, 1024, 10 * 1024 * 1024),
    rateLimitPerSecond,
    rateLimitBurst,
    sqliteSynchronous,
    sqliteCheckpointIntervalMs: integer('COFFER_SQLITE_CHECKPOINT_INTERVAL_MS', 50, 0, 60_000),
    allowNonDurable: flag('COFFER_ALLOW_NON_DURABLE'),
    logLevel: env.COFFER_LOG_LEVEL || env.LOG_LEVEL || 'info',
    apiKeyCacheMs: integer('COFFER_API_KEY_CACHE_MS', 5000, 0, 600_000),
    shutdownTimeoutMs: integer('COFFER_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    jobs: Object.freeze({
      pollIntervalMs: integer('COFFER_JOBS_POLL_MS', jobLimitsDefault.pollIntervalMs, 10, 600_000),
      leaseMs: integer('COFFER_JOBS_LEASE_MS', jobLimitsDefault.leaseMs, 1_000, 86_400_000),
      claimBatchMax: integer('COFFER_JOBS_CLAIM_MAX', jobLimitsDefault.claimBatchMax, 1, 1_000),
      backoffBaseMs: integer('COFFER_JOBS_BACKOFF_BASE_MS', jobLimitsDefault.backoffBaseMs, 1, 3_600_000),
      backoffMaxMs: integer('COFFER_JOBS_BACKOFF_MAX_MS', jobLimitsDefault.backoffMaxMs, 1, 86_400_000),
      attemptsMaxDefault: integer('COFFER_JOBS_ATTEMPTS_MAX', jobLimitsDefault.attemptsMaxDefault, 1, jobAttemptsMaxLimit),
      handlerTimeoutMs: integer('COFFER_JOBS_HANDLER_TIMEOUT_MS', jobLimitsDefault.handlerTimeoutMs, 1, 86_400_000),
      busyClaimGapMs: integer('COFFER_JOBS_BUSY_CLAIM_GAP_MS', jobLimitsDefault.busyClaimGapMs, 1, 60_000),
    }),
    metricsToken: env.COFFER_METRICS_TOKEN || null,
    metricsPort: env.COFFER_METRICS_PORT ? integer('COFFER_METRICS_PORT', 0, 1, 65535) : null,
    webhookAllowPrivateUrls: flag('COFFER_WEBHOOK_ALLOW_PRIVATE_URLS'),
    webhookTimeoutMs: integer('COFFER_WEBHOOK_TIMEOUT_MS', webhookTimeoutMs, 100, 60_000),
    creditsExpiringNoticeHours: integer('COFFER_CREDITS_EXPIRING_NOTICE_HOURS', expiringNoticeHoursDefault, 1, 8760),
    expiringWindowDays: integer('COFFER_EXPIRING_WINDOW_DAYS', expiringWindowDaysDefault, 1, 1826),
    paymentProcessorUrl: env.COFFER_PAYMENT_PROCESSOR_URL || null,
    paymentProcessorSecret: env.COFFER_PAYMENT_PROCESSOR_SECRET || null,
    paymentProcessorTimeoutMs: integer('COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS', 10_000, 10, 120_000),
    paymentProcessorAllowPrivateUrls: flag('COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS'),
    paymentSimulatedDelayMs: integer('COFFER_PAYMENT_SIMULATED_DELAY_MS', 200, 0, 60_000),
    billingStepPauseMs: integer('COFFER_BILLING_STEP_PAUSE_MS', 0, 0, 60_000),
    billingRecoveryDelayMs: integer('COFFER_BILLING_RECOVERY_DELAY_MS', paymentRecoveryDelayMs, 100, 86_400_000),
    dashboardSessionMs: integer('COFFER_DASHBOARD_SESSION_MS', 28_800_000, 60_000, 2_592_000_000),
    dunningRetryHours: dunningSchedule(env.COFFER_DUNNING_RETRY_HOURS, problems),
    rollupIntervalMs: integer('COFFER_ROLLUP_INTERVAL_MS', 5_000, 0, 3_600_000),
    forecastWindowDays: integer('COFFER_FORECAST_WINDOW_DAYS', 30, 1, 365),
    forecastHorizonDays: integer('COFFER_FORECAST_HORIZON_DAYS', 7, 1, 365),
  };
  problems.push(...paymentProcessorProblems(config));
  if (config.metricsToken !== null && config.metricsToken.length < 16) problems.push('COFFER_METRICS_TOKEN must be at least 16 characters');
  if (config.metricsPort !== null && config.metricsPort === port && port !== 0) problems.push('COFFER_METRICS_PORT must differ from PORT');
  if (env.COFFER_BOOTSTRAP_API_KEY !== undefined && env.COFFER_BOOTSTRAP_API_KEY !== '' && env.COFFER_BOOTSTRAP_API_KEY.length < 16) {
    problems.push('COFFER_BOOTSTRAP_API_KEY must be at least 16 characters');
  }
  if (config.jobs.handlerTimeoutMs >= config.jobs.leaseMs) {
    problems.push('COFFER_JOBS_HANDLER_TIMEOUT_MS must be less than COFFER_JOBS_LEASE_MS (a live process gives up on a job before its lease ends)');
  }
  if (config.webhookTimeoutMs >= config.jobs.handlerTimeoutMs) {
    problems.push('COFFER_WEBHOOK_TIMEOUT_MS must be less than COFFER_JOBS_HANDLER_TIMEOUT_MS (a delivery gives up before its job does)');
  }
  if (config.jobs.backoffMaxMs < config.jobs.backoffBaseMs) {
    problems.push('COFFER_JOBS_BACKOFF_MAX_MS must be at least COFFER_JOBS_BACKOFF_BASE_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
