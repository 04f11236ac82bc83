// The check job (wallet.auto_recharge): re-reads the wallet and its setting and, when the available balance is below
// the threshold and no guardrail says wait, starts one recharge — an attempt row (at most one processing per wallet, a
// unique index on both stores) and a top-up of billing part 2 under a key derived from the attempt — then settles
// the attempt from the top-up's outcome, with its event, in one transaction. A re-run resumes its own attempt; an
// attempt left processing by a job that died or gave up is resumed by the next check once it is stale.
import type { Kysely } from 'kysely';
import type { TopUpAnswer, TopUpService } from '../billing/top-up-service.ts';
import type { AutoRechargeAttemptsTable, AutoRechargesTable, Database } from '../db/schema.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { JobHandler, JobOutcome, LeasedJob } from '../jobs/job-types.ts';
import { eventRow } from '../outbox/event-row.ts';
import type { OutboxEventType } from '../outbox/event-types.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { declineBackoffMs, rechargeInFlightStaleMs, rechargePendingRetryMs, rechargeScope, rechargeTopUpKey, utcMonthOf } from './recharge-limits.ts';
import * as repo from './recharge-repo.ts';
import { type CheckJobPayload, checkJob } from './recharge-trigger.ts';
import { toWireAttempt, toWireSettings } from './recharge-wire.ts';

export interface RechargeRunnerDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  topUps: Pick<TopUpService, 'topUp'>;
  /** Called after events were written (the composition root wakes the dispatcher). */
  onEvent?: () => void;
  /** Called after a follow-up check was enqueued. */
  onJobs?: () => void;
}

const done: JobOutcome = { status: 'done' };

/** Why a start was refused inside its transaction (rolled back: nothing written). */
class NotStarted extends Error {}

function isCheckPayload(value: unknown): value is CheckJobPayload {
  const payload = value as Partial<CheckJobPayload> | null;
  return (
    payload !== null &&
    typeof payload === 'object' &&
    typeof payload.business_id === 'string' &&
    typeof payload.customer_id === 'string' &&
    typeof payload.currency === 'string' &&
    Number.isSafeInteger(payload.checks)
  );
}

export class RechargeRunner {
  constructor(private readonly deps: RechargeRunnerDeps) {}

  /** One run of a check job; idempotent by the job key (a re-run resumes what the first run started). */
  async check(job: Pick<LeasedJob, 'key' | 'payload'>): Promise<JobOutcome> {
    if (!isCheckPayload(job.payload)) return { status: 'fail', error: 'auto-recharge job payload must name business_id, customer_id, currency and checks' };
    const payload = job.payload;
    const wallet: repo.WalletKey = { businessId: payload.business_id, customerId: payload.customer_id, currency: payload.currency };
    const { db, clock } = this.deps;
    const setting = await repo.setting(db, wallet);
    if (!setting) return done;
    const now = clock.now();
    const inFlight = await repo.processingAttempt(db, wallet);
    if (inFlight) {
      await repo.bumpChecks(db, wallet, payload.checks);
      const own = inFlight.job_key === job.key;
      const stale = now.getTime() - Date.parse(inFlight.updated_at) >= rechargeInFlightStaleMs;
      // Another check is driving it, and settling it enqueues the next check.
      if (!own && !stale) return done;
      return this.drive(inFlight, job.key);
    }
    if (Number(setting.enabled) !== 1) return done;
    // Guardrails that need no balance: wait in this job (triggers meanwhile fold into it), without using an attempt.
    const waitUntil = Math.max(Date.parse(setting.cooldown_until ?? '') || 0, Date.parse(setting.backoff_until ?? '') || 0);
    if (waitUntil > now.getTime()) return { status: 'defer', reason: 'auto-recharge is cooling down or backing off', retryInMs: waitUntil - now.getTime() };
    const month = utcMonthOf(now);
    const used = await repo.rechargedAmount(db, wallet, month.start, month.end);
    if (used + Number(setting.amount) > Number(setting.monthly_cap_amount)) {
      return { status: 'defer', reason: 'the monthly cap is reached', retryInMs: month.end.getTime() - now.getTime() };
    }
    // From here on a trigger makes a new job: this one reads the balance only after the bump.
    await repo.bumpChecks(db, wallet, payload.checks);
    const attempt = await this.start(wallet, job.key, now);
    return attempt ? this.drive(attempt, job.key) : done;
  }

  /** Starts an attempt if the guardrails allow one now and the wallet is below its threshold; all or nothing. */
  private async start(wallet: repo.WalletKey, jobKey: string, now: Date): Promise<AutoRechargeAttemptsTable | undefined> {
    const at = now.toISOString();
    try {
      return await this.deps.db.transaction().execute(async (trx) => {
        const claimed = await repo.claimStart(trx, wallet, now);
        if (!claimed) throw new NotStarted();
        if (await repo.processingAttempt(trx, wallet)) throw new NotStarted();
        const available = await repo.availableBalance(trx, wallet);
        if (available === undefined || available >= Number(claimed.threshold_amount)) throw new NotStarted();
        const month = utcMonthOf(now);
        const used = await repo.rechargedAmount(trx, wallet, month.start, month.end);
        if (used + Number(claimed.amount) > Number(claimed.monthly_cap_amount)) throw new NotStarted();
        await repo.setCooldownUntil(trx, wallet, new Date(now.getTime() + Number(claimed.cooldown_seconds) * 1000).toISOString());
        const attempt: AutoRechargeAttemptsTable = {
          id: this.deps.newId(idPrefixes.autoRechargeAttempt),
          business_id: wallet.businessId,
          customer_id: wallet.customerId,
          currency: wallet.currency,
          amount: Number(claimed.amount),
          payment_method_id: claimed.payment_method_id,
          status: 'processing',
          available_balance_before: available,
          payment_id: null,
          job_key: jobKey,
          error_code: null,
          error_message: null,
          created_at: at,
          updated_at: at,
        };
        await repo.insertAttempt(trx, attempt);
        return attempt;
      });
    } catch (error) {
      if (error instanceof NotStarted) return undefined;
      // The in-flight index refused a second processing attempt (a concurrent start won): nothing was written.
      if (await repo.processingAttempt(this.deps.db, wallet)) return undefined;
      throw error;
    }
  }

  /** Runs the attempt's top-up (started, or resumed under the same key) and settles the attempt once it finished. */
  private async drive(attempt: AutoRechargeAttemptsTable, jobKey: string): Promise<JobOutcome> {
    const touched = await repo.updateProcessingAttempt(this.deps.db, attempt.id, { job_key: jobKey, updated_at: this.deps.clock.now().toISOString() });
    if (!touched) return done;
    const answer = await this.deps.topUps.topUp({
      businessId: attempt.business_id,
      customerId: attempt.customer_id,
      currency: attempt.currency,
      amount: Number(attempt.amount),
      paymentMethodId: attempt.payment_method_id,
      idempotencyKey: rechargeTopUpKey(attempt.id),
      idempotencyScope: rechargeScope,
    });
    if (!answer.ok) {
      // Not chargeable as set (the customer's currency no longer configured): a failed attempt, nothing charged.
      await this.settle(attempt, { status: 'failed', paymentId: null, errorCode: answer.code, errorMessage: answer.message });
      return done;
    }
    const payment = answer.value.payment;
    if (payment.status === 'processing') {
      await repo.updateProcessingAttempt(this.deps.db, attempt.id, { payment_id: payment.payment_id, updated_at: this.deps.clock.now().toISOString() });
      return { status: 'retry', error: `top-up ${payment.payment_id} is still processing (no answer from the processor yet)`, retryInMs: rechargePendingRetryMs };
    }
    await this.settle(attempt, outcomeOf(answer.value));
    return done;
  }

  /**
   * Finishes a processing attempt and applies its consequences in one transaction: a success clears the declines; a
   * failure counts one, backs off, and at max_declines turns auto-recharge off (wallet.auto_recharge.disabled). The
   * next check is enqueued for when the guardrails allow one (it finds nothing to do if the balance is fine).
   */
  private async settle(attempt: AutoRechargeAttemptsTable, outcome: Outcome): Promise<void> {
    const { db, clock, newId } = this.deps;
    const now = clock.now();
    const at = now.toISOString();
    const wallet: repo.WalletKey = { businessId: attempt.business_id, customerId: attempt.customer_id, currency: attempt.currency };
    const wrote = await db.transaction().execute(async (trx) => {
      const changes = { status: outcome.status, payment_id: outcome.paymentId, error_code: outcome.errorCode, error_message: outcome.errorMessage, updated_at: at };
      if (!(await repo.updateProcessingAttempt(trx, attempt.id, changes))) return false;
      const settled = { ...attempt, ...changes };
      let setting = await trx
        .updateTable('auto_recharges')
        .set((eb) => ({
          declines: outcome.status === 'succeeded' ? 0 : eb('declines', '+', 1),
          checks: eb('checks', '+', 1),
          updated_at: at,
        }))
        .where('customer_id', '=', wallet.customerId)
        .where('currency', '=', wallet.currency)
        .where('business_id', '=', wallet.businessId)
        .returningAll()
        .executeTakeFirst();
      let disabled = false;
      if (setting) {
        const declines = Number(setting.declines);
        const after: Partial<AutoRechargesTable> =
          outcome.status === 'succeeded'
            ? { backoff_until: null }
            : { backoff_until: new Date(now.getTime() + declineBackoffMs(declines)).toISOString() };
        if (outcome.status === 'failed' && declines >= Number(setting.max_declines) && Number(setting.enabled) === 1) {
          Object.assign(after, { enabled: 0, disabled_reason: 'declines' });
          disabled = true;
        }
        setting = await trx.updateTable('auto_recharges').set(after).where('customer_id', '=', wallet.customerId).where('currency', '=', wallet.currency).returningAll().executeTakeFirstOrThrow();
        if (Number(setting.enabled) === 1) {
          const dueAt = Math.max(now.getTime(), Date.parse(setting.cooldown_until ?? '') || 0, Date.parse(setting.backoff_until ?? '') || 0);
          await enqueueJob(trx, checkJob(setting, new Date(dueAt)), { newId, now });
        }
      }
      const event = (type: OutboxEventType, data: { payload_type: string } & Record<string, unknown>) =>
        eventRow({ id: newId(idPrefixes.event), businessId: wallet.businessId, type, customerId: wallet.customerId, createdAt: at, data });
      const rows = [
        event(outcome.status === 'succeeded' ? 'wallet.auto_recharge.succeeded' : 'wallet.auto_recharge.failed', {
          payload_type: 'AutoRechargeAttempt',
          ...toWireAttempt(settled),
          declines: setting ? Number(setting.declines) : 0,
          backoff_until: setting?.backoff_until ?? null,
        }),
      ];
      if (disabled && setting) rows.push(event('wallet.auto_recharge.disabled', { payload_type: 'AutoRechargeSettings', ...toWireSettings(setting), attempt_id: attempt.id }));
      await insertEvents(trx, rows);
      return true;
    });
    if (wrote) {
      this.deps.onEvent?.();
      this.deps.onJobs?.();
    }
  }
}

interface Outcome {
  status: 'succeeded' | 'failed';
  paymentId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

function outcomeOf(answer: TopUpAnswer): Outcome {
  const { payment } = answer;
  return {
    status: payment.status === 'succeeded' ? 'succeeded' : 'failed',
    paymentId: payment.payment_id,
    errorCode: payment.status === 'succeeded' ? null : (payment.error_code ?? 'payment_failed'),
    errorMessage: payment.status === 'succeeded' ? null : (payment.error_message ?? null),
  };
}

/** The handler of wallet.auto_recharge jobs. */
export function autoRechargeHandler(runner: RechargeRunner): JobHandler {
  return (job) => runner.check(job);
}
