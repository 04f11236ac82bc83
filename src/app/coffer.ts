// The composition root: builds the store's writer, the services, the HTTP app (and the job runtime), and stops them
// in reverse order. The only place that picks the system clock and id generator; everything below takes them.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { analyticsRoutes } from '../api/analytics-routes.ts';
import { rollupJobKey, rollupJobKind } from '../analytics/analytics-limits.ts';
import { AnalyticsService } from '../analytics/analytics-service.ts';
import { forecastAlerts } from '../analytics/forecast-alerts.ts';
import { rollupJobHandler } from '../analytics/rollup-job.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { jobAttemptsMaxLimit } from '../jobs/job-limits.ts';
import { customerRoutes } from '../api/customer-routes.ts';
import { eventRoutes } from '../api/event-routes.ts';
import { paymentMethodRoutes } from '../api/payment-method-routes.ts';
import { lowBalanceRoutes } from '../api/low-balance-routes.ts';
import { ledgerRoutes } from '../api/ledger-routes.ts';
import { lotRoutes } from '../api/lot-routes.ts';
import { holdRoutes } from '../api/hold-routes.ts';
import { billingRoutes } from '../api/billing-routes.ts';
import { topUpRoutes } from '../api/top-up-routes.ts';
import { autoRechargeRoutes } from '../api/auto-recharge-routes.ts';
import { rechargeJobKind } from '../recharges/recharge-limits.ts';
import { RechargeRunner, autoRechargeHandler } from '../recharges/recharge-runner.ts';
import { RechargeService } from '../recharges/recharge-service.ts';
import { autoRechargeFanOut } from '../recharges/recharge-trigger.ts';
import { refundRoutes } from '../api/refund-routes.ts';
import { processorRoutes } from '../api/processor-routes.ts';
import { ProcessorEventService } from '../billing/processor-event-service.ts';
import { paymentRecoveryHandler, refundJobHandler, topUpRecoveryHandler } from '../billing/billing-jobs.ts';
import { paymentRecoveryJobKind, refundJobKind, topUpRecoveryJobKind } from '../billing/billing-limits.ts';
import { DisputeService } from '../billing/dispute-service.ts';
import { RefundService } from '../billing/refund-service.ts';
import { TopUpService } from '../billing/top-up-service.ts';
import { subscriptionRoutes } from '../api/subscription-routes.ts';
import { BillingService } from '../billing/billing-service.ts';
import { Renewals } from '../subscriptions/renewal.ts';
import { subscriptionBillHandler } from '../subscriptions/subscription-jobs.ts';
import { subscriptionBillJobKind } from '../subscriptions/subscription-limits.ts';
import { SubscriptionService } from '../subscriptions/subscription-service.ts';
import { getBusinessTimeZone } from '../businesses/business-settings.ts';
import { holdExpiryHandler } from '../holds/hold-jobs.ts';
import { holdExpiryJobKind } from '../holds/hold-limits.ts';
import { HoldService } from '../holds/hold-service.ts';
import { webhookDeliveryRoutes } from '../api/webhook-delivery-routes.ts';
import { webhookRoutes } from '../api/webhook-routes.ts';
import { Authenticator } from '../auth/authenticate.ts';
import type { Config } from '../config/config.ts';
import { CustomerService } from '../customers/customer-service.ts';
import { dashboardRoutes } from '../dashboard/dashboard-app.ts';
import { bookkeepingFor } from '../db/bookkeeping.ts';
import { type Store, openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations/index.ts';
import { buildHttpApp } from '../http/app.ts';
import { createMetrics } from '../http/metrics.ts';
import type { RequestLogLevel } from '../http/request-log.ts';
import type { RegisteredRoute } from '../http/route-config.ts';
import { systemRoutes } from '../http/system-routes.ts';
import { lotExpiryJobKind, lotExpiryScope, lotNoticeJobKind } from '../credits/credit-limits.ts';
import { lotExpiryHandler, lotNoticeHandler } from '../credits/expiry-jobs.ts';
import { LotService } from '../credits/lot-service.ts';
import { registerLoadMetrics } from '../jobs/job-metrics.ts';
import { JobRuntime } from '../jobs/job-runtime.ts';
import { loadGaugeDefaults, startLoadGauge } from '../jobs/load-gauge.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import type { ExpireLotOutcome } from '../ledger/commands.ts';
import { registerWriterMetrics } from '../ledger/ledger-metrics.ts';
import { LedgerService } from '../ledger/ledger-service.ts';
import { LedgerWriter, writerBusy } from '../ledger/ledger-writer.ts';
import { LowBalanceService } from '../ledger/low-balance-service.ts';
import { EventDispatcher, mergeFanOuts } from '../outbox/event-dispatcher.ts';
import { openApiWebhooks } from '../outbox/event-schemas.ts';
import { FeedService } from '../outbox/feed-service.ts';
import { registerOutboxMetrics } from '../outbox/outbox-metrics.ts';
import { HttpProcessor } from '../payments/http-processor.ts';
import { PaymentMethodService } from '../payments/payment-method-service.ts';
import { PaymentService } from '../payments/payment-service.ts';
import { SimulatedProcessor } from '../payments/simulated-processor.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type IdGenerator, idGenerator, randomBase62 } from '../shared/ids.ts';
import { webhookDeliveryHandler } from '../webhooks/delivery-handler.ts';
import { createDeliveryMetrics } from '../webhooks/delivery-metrics.ts';
import { webhookDeliveryJobKind } from '../webhooks/delivery-schedule.ts';
import { DeliveryService } from '../webhooks/delivery-service.ts';
import { WebhookEndpointService } from '../webhooks/endpoint-service.ts';
import { webhookFanOut } from '../webhooks/fan-out.ts';

export interface CofferDeps {
  config: Config;
  /** An opened, migrated store; Coffer closes it when it stops. */
  store: Store;
  /** Defaults to the system clock; tests pass one they can move. */
  clock?: Clock;
  /** Defaults to time-ordered ids from `clock`. */
  newId?: IdGenerator;
  /** false silences logs (tests); otherwise pino JSON at config.logLevel. */
  logger?: boolean;
  loggerStream?: { write(line: string): void };
  /** The level of the one line logged per request (default info; `coffer serve` on a terminal uses debug). */
  requestLogLevel?: RequestLogLevel;
  /** Job handlers merged over the built-in ones (`webhook.deliver`); tests replace or add kinds here. */
  jobHandlers?: Readonly<Record<string, JobHandler>>;
  /** Whether the job runtime polls on its own (`coffer serve` does; tests drive `jobs.tick()` themselves). */
  startJobs?: boolean;
  /** A business's IANA time zone for subscription periods; its `time_zone` setting when absent (tests pin one here). */
  timeZoneOf?: (businessId: string) => Promise<string>;
}

export interface CofferApp {
  app: FastifyInstance;
  /** Every route with its access level (each declared one, or the app would not have started). */
  routes: readonly RegisteredRoute[];
  store: Store;
  clock: Clock;
  writer: LedgerWriter;
  ledger: LedgerService;
  holds: HoldService;
  /** Invoices paid wallet-first and their payments. */
  billing: BillingService;
  /** Top-ups by card (what auto-recharge calls: `topUps.topUp(...)`). */
  topUps: TopUpService;
  /** Auto-recharge settings; the recharges run in the wallet.auto_recharge job. */
  recharges: RechargeService;
  refunds: RefundService;
  disputes: DisputeService;
  /** Subscriptions; their renewals and dunning run in the subscriptions.bill job. */
  subscriptions: SubscriptionService;
  customers: CustomerService;
  /** The delivery log, redelivery and test sends (the CLI's `coffer webhooks` commands use it too). */
  deliveries: DeliveryService;
  webhookEndpoints: WebhookEndpointService;
  paymentMethods: PaymentMethodService;
  /** Charges and refunds through the processor each method was attached to (what billing calls). */
  payments: PaymentService;
  jobs: JobRuntime;
  /** Statements, balances at an instant, trends, forecasts, reports and the business time zone (docs/analytics.md). */
  analytics: AnalyticsService;
  /** Puts committed events in the feed and enqueues their webhook deliveries (tests call `dispatch()` / `drain()`). */
  dispatcher: EventDispatcher;
  /**
   * Stops in reverse order: no new requests (in-flight ones finish), no new job claims (running handlers finish),
   * the open batch commits, the store closes.
   */
  close(): Promise<void>;
}

/** Opens and migrates the configured store, then builds Coffer on it (what `coffer serve` runs). */
export async function openCoffer(
  config: Config,
  options: {
    logger: { info(object: object, message: string): void; warn(object: object, message: string): void };
    loggerStream?: CofferDeps['loggerStream'];
    requestLogLevel?: CofferDeps['requestLogLevel'];
  },
): Promise<CofferApp> {
  const store = await openStore(config, options.logger);
  try {
    const applied = await migrateToLatest(store.db, store.kind);
    if (applied.length > 0) options.logger.info({ migrations: applied }, 'migrations applied');
    options.logger.info({ durability: store.durability }, 'store opened');
    return await buildCoffer({ config, store, startJobs: true, loggerStream: options.loggerStream, requestLogLevel: options.requestLogLevel });
  } catch (error) {
    await store.close();
    throw error;
  }
}

export async function buildCoffer(deps: CofferDeps): Promise<CofferApp> {
  const { config, store } = deps;
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? idGenerator(clock);

  const metrics = createMetrics();
  // The writer wakes the dispatcher after each batch (built below, once the logger exists).
  let dispatcher: EventDispatcher | undefined;
  const writer = new LedgerWriter({
    store,
    clock,
    newId,
    currencies: config.currencies,
    lotSettings: { expiringNoticeMs: config.creditsExpiringNoticeHours * 3_600_000 },
    limits: {
      batchSizeMax: config.batchSizeMax,
      batchWaitMs: config.batchWaitMs,
      writeQueueMax: config.writeQueueMax,
      postgresBatchesInFlight: config.postgresBatchesInFlight,
    },
    onBatch: (size, durationMs) => {
      metrics.observeBatch(size, durationMs);
      dispatcher?.wake();
    },
  });
  registerWriterMetrics(metrics.registry, writer);
  const ledger = new LedgerService({
    db: store.db,
    writer,
    clock,
    settings: {
      currencies: config.currencies,
      fxRatesToUsd: config.fxRatesToUsd,
      idempotencyReplay: config.idempotencyReplay,
      expiringWindowMs: config.expiringWindowDays * 86_400_000,
    },
  });
  const holds = new HoldService({ db: store.db, writer, clock, currencies: config.currencies });
  const customers = new CustomerService({ db: store.db, currencies: config.currencies, clock, newId });
  // The job runtime is built after the HTTP app (it logs through it); redeliveries wake it once it exists.
  let wakeJobs = () => {};
  // Job claims and outcomes and the delivery log commit without waiting for the disk (src/db/bookkeeping.ts).
  const bookkeeping = bookkeepingFor(store);
  const delivery = { db: store.db, clock, newId, allowPrivateUrls: config.webhookAllowPrivateUrls, timeoutMs: config.webhookTimeoutMs };
  const deliveries = new DeliveryService({ ...delivery, onJobs: () => wakeJobs() });
  const webhookEndpoints = new WebhookEndpointService({ db: store.db, store: store.kind, clock, newId, allowPrivateUrls: config.webhookAllowPrivateUrls });

  const paymentMethods = new PaymentMethodService({
    db: store.db,
    store: store.kind,
    clock,
    newId,
    httpProcessorConfigured: config.paymentProcessorUrl !== null,
  });
  const payments = new PaymentService({
    methods: paymentMethods,
    processors: {
      simulated: new SimulatedProcessor({ db: store.db, clock, newId, timeoutMs: config.paymentProcessorTimeoutMs, delayMs: config.paymentSimulatedDelayMs }),
      http:
        config.paymentProcessorUrl === null || config.paymentProcessorSecret === null
          ? null
          : new HttpProcessor({
              url: config.paymentProcessorUrl,
              secret: config.paymentProcessorSecret,
              timeoutMs: config.paymentProcessorTimeoutMs,
              allowPrivateUrls: config.paymentProcessorAllowPrivateUrls,
              clock,
            }),
    },
  });

  const billing = new BillingService({
    db: store.db,
    clock,
    newId,
    currencies: config.currencies,
    holds,
    payments,
    methods: paymentMethods,
    onEvent: () => dispatcher?.wake(),
    stepPauseMs: config.billingStepPauseMs,
    recoveryDelayMs: config.billingRecoveryDelayMs,
  });

  const topUps = new TopUpService({
    db: store.db,
    clock,
    newId,
    currencies: config.currencies,
    writer,
    payments,
    methods: paymentMethods,
    onEvent: () => dispatcher?.wake(),
    stepPauseMs: config.billingStepPauseMs,
    recoveryDelayMs: config.billingRecoveryDelayMs,
  });

  const recharges = new RechargeService({ db: store.db, clock, newId, currencies: config.currencies, methods: paymentMethods, onJobs: () => wakeJobs() });
  const rechargeRunner = new RechargeRunner({ db: store.db, clock, newId, topUps, onEvent: () => dispatcher?.wake(), onJobs: () => wakeJobs() });

  const refunds = new RefundService({
    db: store.db,
    clock,
    newId,
    writer,
    payments,
    onEvent: () => dispatcher?.wake(),
    onJobs: () => wakeJobs(),
    stepPauseMs: config.billingStepPauseMs,
  });
  const disputes = new DisputeService({ db: store.db, clock, newId, holds, onEvent: () => dispatcher?.wake() });

  const subscriptionDeps = {
    db: store.db,
    clock,
    newId,
    currencies: config.currencies,
    billing,
    timeZoneOf: deps.timeZoneOf ?? ((businessId: string) => getBusinessTimeZone(store.db, businessId)),
    dunningRetryHours: config.dunningRetryHours,
    onChange: () => {
      dispatcher?.wake();
      wakeJobs();
    },
  };
  const subscriptions = new SubscriptionService(subscriptionDeps);
  const renewals = new Renewals(subscriptionDeps);

  const analytics = new AnalyticsService({
    db: store.db,
    store: store.kind,
    clock,
    currencies: config.currencies,
    fxRatesToUsd: config.fxRatesToUsd,
    forecastWindowDays: config.forecastWindowDays,
  });

  const authenticator = new Authenticator(store.db, clock, config.apiKeyCacheMs);
  const lowBalance = new LowBalanceService({ db: store.db, clock, currencies: config.currencies });
  const lots = new LotService({ db: store.db, clock });
  const http = await buildHttpApp({
    config,
    clock,
    authenticator,
    metrics,
    routes: [
      systemRoutes({ store, metrics, config }),
      customerRoutes(customers),
      paymentMethodRoutes(paymentMethods),
      ledgerRoutes(ledger, analytics),
      lotRoutes(lots),
      holdRoutes(holds),
      billingRoutes(billing),
      topUpRoutes(topUps),
      autoRechargeRoutes(recharges),
      refundRoutes(refunds, disputes),
      subscriptionRoutes(subscriptions),
      // The HTTP processor's callback: signed by the processor's secret, no API key (docs/payments.md).
      processorRoutes({ events: new ProcessorEventService({ db: store.db, clock, disputes, refunds, stepPauseMs: config.billingStepPauseMs }), clock, secret: config.paymentProcessorSecret }),
      lowBalanceRoutes(lowBalance),
      eventRoutes(new FeedService(store.db)),
      webhookRoutes(webhookEndpoints),
      webhookDeliveryRoutes(deliveries),
      analyticsRoutes(analytics),
      // The merchant dashboard (docs/dashboard.md): its own session sign-in, hidden from the OpenAPI document.
      dashboardRoutes({
        db: store.db,
        clock,
        currencies: config.currencies,
        customers,
        ledger,
        lowBalance,
        webhookEndpoints,
        deliveries,
        lots,
        holds,
        billing,
        refunds,
        subscriptions,
        analytics,
        expiringWindowDays: config.expiringWindowDays,
        authenticator,
        sessionMs: config.dashboardSessionMs,
      }),
    ],
    openApiWebhooks: openApiWebhooks(),
    logger: deps.logger,
    loggerStream: deps.loggerStream,
    requestLogLevel: deps.requestLogLevel,
  });

  const deliveryMetrics = createDeliveryMetrics(metrics.registry, {
    db: store.db,
    clock,
    onCollectError: (error) => http.app.log.warn({ err: error }, 'could not read the webhook backlog for metrics'),
  });
  const expiry = {
    db: store.db,
    newId,
    onEvent: () => dispatcher?.wake(),
    async submitExpireLot(lot: { businessId: string; customerId: string; currency: string; lotId: string }) {
      const outcome = await writer.submit({ kind: 'expire_lot', ...lot, idempotency: { scope: lotExpiryScope, key: lot.lotId } });
      return outcome === writerBusy ? ('busy' as const) : (outcome as ExpireLotOutcome);
    },
  };
  const handlers: Record<string, JobHandler> = {
    [webhookDeliveryJobKind]: webhookDeliveryHandler({ ...delivery, logger: http.app.log, metrics: deliveryMetrics }),
    [lotExpiryJobKind]: lotExpiryHandler(expiry),
    [lotNoticeJobKind]: lotNoticeHandler(expiry),
    [holdExpiryJobKind]: holdExpiryHandler(holds),
    [paymentRecoveryJobKind]: paymentRecoveryHandler(billing),
    [topUpRecoveryJobKind]: topUpRecoveryHandler(topUps),
    [rechargeJobKind]: autoRechargeHandler(rechargeRunner),
    [refundJobKind]: refundJobHandler(refunds),
    [subscriptionBillJobKind]: subscriptionBillHandler(renewals),
    // Day rollups and the depletion forecast (docs/analytics.md): one self-rescheduling job, off the write path;
    // COFFER_ROLLUP_INTERVAL_MS=0 turns it off (reads stay exact from the raw entries).
    ...(config.rollupIntervalMs > 0
      ? {
          [rollupJobKind]: rollupJobHandler({
            db: store.db,
            store: store.kind,
            bookkeeping,
            clock,
            intervalMs: config.rollupIntervalMs,
            busy: () => load?.busy() ?? false,
            // The API serves requests without saturating the process or the machine: rounds stay short.
            inUse: () => (load?.sample.apiPerSecond ?? 0) >= loadGaugeDefaults.apiBusyPerSecond,
            afterWallet: forecastAlerts({ analytics, clock, newId, horizonDays: config.forecastHorizonDays, onEvent: () => dispatcher?.wake() }),
          }),
        }
      : {}),
    ...deps.jobHandlers,
  };
  // Background jobs yield to the API while the process or the machine is saturated (src/jobs/load-gauge.ts).
  const load = deps.startJobs ? startLoadGauge(metrics.responses, {}, () => writer.stats) : undefined;
  if (load) registerLoadMetrics(metrics.registry, load);
  const jobs = new JobRuntime({
    load,
    db: store.db,
    store: store.kind,
    clock,
    owner: `${hostname()}:${process.pid}:${randomBase62(8)}`,
    handlers,
    limits: config.jobs,
    bookkeeping,
    logger: http.app.log,
    registry: metrics.registry,
  });
  wakeJobs = () => jobs.wake();
  const events = new EventDispatcher({
    db: store.db,
    clock,
    newId,
    // Per event: its webhook deliveries, then an auto-recharge check when it lowered a wallet below its threshold.
    fanOut: mergeFanOuts(webhookFanOut, autoRechargeFanOut),
    bookkeeping,
    logger: http.app.log,
    onJobs: () => jobs.wake(),
    // While the API is busy, fan-out keeps the job runtime's claim pace (docs/webhooks.md#throughput-and-settings).
    load,
    limits: { busyFanOutMax: config.jobs.claimBatchMax, busyFanOutGapMs: config.jobs.busyClaimGapMs },
  });
  dispatcher = events;
  registerOutboxMetrics(metrics.registry, { db: store.db, clock, dispatcher: events, onError: (error) => http.app.log.warn({ err: error }, 'could not read the outbox for metrics') });
  if (deps.startJobs && config.rollupIntervalMs > 0) {
    // The rollup job's one row (a no-op when it exists); it defers itself forever, so it is never done. Only a process
    // that runs jobs makes it (tests that drive tick() themselves roll up with rollUpAll).
    await enqueueJob(store.db, { kind: rollupJobKind, key: rollupJobKey, dueAt: clock.now(), attemptsMax: jobAttemptsMaxLimit }, { newId, now: clock.now() });
  }
  if (deps.startJobs) {
    jobs.start();
    events.start();
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await http.close();
      await events.stop();
      await jobs.stop();
      load?.stop();
      await writer.drain();
      await store.close();
    })();
    return closing;
  };
  return { app: http.app, routes: http.routes, store, clock, writer, ledger, holds, billing, topUps, recharges, refunds, disputes, subscriptions, customers, webhookEndpoints, paymentMethods, payments, deliveries, jobs, analytics, dispatcher: events, close };
}
