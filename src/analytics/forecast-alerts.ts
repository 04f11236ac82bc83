// wallet.depletion_forecast: after the rollup job brings a wallet up to date, its forecast is made again in the same
// transaction; the event is written (outbox) only when the projection crosses into the horizon, and the flag re-arms
// once it leaves it. So it fires once per crossing, whichever process rolls the wallet up.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { eventRow } from '../outbox/event-row.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import type { AnalyticsService } from './analytics-service.ts';
import { withinHorizon } from './forecast.ts';
import type { RolledWallet } from './rollup-job.ts';

export interface ForecastAlertDeps {
  analytics: AnalyticsService;
  clock: Clock;
  newId: IdGenerator;
  horizonDays: number;
  onEvent?: () => void;
}

export function forecastAlerts(deps: ForecastAlertDeps): (trx: Transaction<Database>, wallet: RolledWallet) => Promise<void> {
  return async (trx, wallet) => {
    // Only a debit brings depletion nearer; a credit can only take an alerted wallet out of the horizon.
    if (!wallet.hadDebit && !wallet.forecastInHorizon) return;
    const now = deps.clock.now();
    const f = await deps.analytics.forecastOf(trx, wallet.businessId, wallet, wallet.zone);
    const inside = withinHorizon(f, now.getTime(), deps.horizonDays);
    if (inside === wallet.forecastInHorizon) return;
    await trx
      .updateTable('wallet_rollup_cursors')
      .set({ forecast_in_horizon: inside ? 1 : 0 })
      .where('customer_id', '=', wallet.customerId)
      .where('currency', '=', wallet.currency)
      .execute();
    if (!inside || f.projected_depletion_at === null) return;
    await insertEvents(trx, [
      eventRow({
        id: deps.newId('evt'),
        businessId: wallet.businessId,
        type: 'wallet.depletion_forecast',
        customerId: wallet.customerId,
        createdAt: now.toISOString(),
        data: {
          payload_type: 'WalletDepletionForecast',
          customer_id: wallet.customerId,
          currency: wallet.currency,
          balance: f.balance,
          burn_rate_per_day: f.burn_rate_per_day,
          window_days: f.window_days,
          projected_depletion_at: f.projected_depletion_at,
          horizon_days: deps.horizonDays,
          confidence: f.confidence,
          reasons: f.reasons,
        },
      }),
    ]);
    deps.onEvent?.();
  };
}
