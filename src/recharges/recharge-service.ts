// Auto-recharge settings (Coffer extension): set, read and remove a wallet's setting. Setting one enqueues a check at
// once (a wallet already below its threshold is recharged without waiting for the next debit); the recharges
// themselves run in the check job (recharge-runner.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { PaymentMethodService } from '../payments/payment-method-service.ts';
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { RechargeErrorCode } from './recharge-errors.ts';
import {
  rechargeCooldownSecondsDefault,
  rechargeMaxDeclinesDefault,
  rechargeMonthlyCapAmountMax,
  rechargeMonthlyCapRechargesDefault,
  rechargeRecentAttemptsMax,
  utcMonthOf,
} from './recharge-limits.ts';
import * as repo from './recharge-repo.ts';
import type { AutoRechargeBody, WireAutoRecharge } from './recharge-schemas.ts';
import { checkJob } from './recharge-trigger.ts';
import { toWireAttempt, toWireSettings } from './recharge-wire.ts';

export interface RechargeServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
  methods: Pick<PaymentMethodService, 'methodToCharge'>;
  /** Called after a setting enqueued its check (the composition root wakes the job runtime). */
  onJobs?: () => void;
}

type RechargeResult<T> = Result<T, RechargeErrorCode>;

export class RechargeService {
  constructor(private readonly deps: RechargeServiceDeps) {}

  /** Creates or replaces the wallet's setting, turned on (a setting disabled by declines starts again from 0). */
  async put(wallet: repo.WalletKey, body: AutoRechargeBody): Promise<RechargeResult<WireAutoRecharge>> {
    const refused = await this.refusal(wallet);
    if (refused) return refused;
    const monthlyCap = body.monthly_cap_amount ?? Math.min(rechargeMonthlyCapAmountMax, body.amount * rechargeMonthlyCapRechargesDefault);
    if (monthlyCap < body.amount) {
      return err('INVALID_AUTO_RECHARGE', `monthly_cap_amount (${monthlyCap}) must be at least amount (${body.amount}): no recharge could ever start`);
    }
    const methodId = body.payment_method_id ?? null;
    if (methodId !== null) {
      const method = await this.deps.methods.methodToCharge(wallet.businessId, wallet.customerId, methodId);
      if (!method.ok) return err('INVALID_AUTO_RECHARGE', `payment_method_id ${methodId} is not attached to customer ${wallet.customerId}`);
    }
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await repo.putSetting(
        trx,
        wallet,
        {
          threshold_amount: body.threshold_amount,
          amount: body.amount,
          payment_method_id: methodId,
          cooldown_seconds: body.cooldown_seconds ?? rechargeCooldownSecondsDefault,
          monthly_cap_amount: monthlyCap,
          max_declines: body.max_declines ?? rechargeMaxDeclinesDefault,
        },
        now.toISOString(),
      );
      await enqueueJob(trx, checkJob(row, now), { newId: this.deps.newId, now });
    });
    this.deps.onJobs?.();
    return this.get(wallet);
  }

  async get(wallet: repo.WalletKey): Promise<RechargeResult<WireAutoRecharge>> {
    const refused = await this.refusal(wallet);
    if (refused) return refused;
    const row = await repo.setting(this.deps.db, wallet);
    if (!row) return this.notFound(wallet);
    const month = utcMonthOf(this.deps.clock.now());
    const [monthAmount, inFlight, recent] = await Promise.all([
      repo.rechargedAmount(this.deps.db, wallet, month.start, month.end),
      repo.processingAttempt(this.deps.db, wallet),
      repo.recentAttempts(this.deps.db, wallet, rechargeRecentAttemptsMax),
    ]);
    return ok({ ...toWireSettings(row), month_recharged_amount: monthAmount, in_flight_attempt_id: inFlight?.id ?? null, recent_attempts: recent.map(toWireAttempt) });
  }

  /**
   * Removes the setting and answers it as it was: no recharge starts from now on. A recharge in flight finishes (its
   * card may already be charged), and the attempts stay on record.
   */
  async remove(wallet: repo.WalletKey): Promise<RechargeResult<WireAutoRecharge>> {
    const current = await this.get(wallet);
    if (!current.ok) return current;
    if (!(await repo.deleteSetting(this.deps.db, wallet))) return this.notFound(wallet);
    return current;
  }

  private notFound(wallet: repo.WalletKey) {
    return err('AUTO_RECHARGE_NOT_FOUND', `Customer ${wallet.customerId} has no auto-recharge for ${wallet.currency}`);
  }

  private async refusal(wallet: repo.WalletKey) {
    const customer = await this.deps.db.selectFrom('customers').select('id').where('id', '=', wallet.customerId).where('business_id', '=', wallet.businessId).executeTakeFirst();
    if (!customer) return err('CUSTOMER_NOT_FOUND', `Customer ${wallet.customerId} not found`);
    if (!this.deps.currencies.includes(wallet.currency)) {
      return err('UNSUPPORTED_CURRENCY', `Currency ${wallet.currency} is not supported for wallets; supported: ${this.deps.currencies.join(', ')}`);
    }
    return null;
  }
}
