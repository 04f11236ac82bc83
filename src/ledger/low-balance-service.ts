// Low-balance thresholds: a wallet's own, or its business's default per currency; the writer reads them with each batch.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { LedgerErrorCode } from './ledger-errors.ts';

export interface WalletThreshold {
  customer_id: string;
  currency: string;
  amount: number | null;
  source: 'wallet' | 'business_default' | 'none';
}

export interface DefaultThreshold {
  currency: string;
  amount: number;
  updated_at: string;
}

export interface LowBalanceDeps {
  db: Kysely<Database>;
  clock: Clock;
  currencies: readonly string[];
}

type ThresholdResult<T> = Result<T, LedgerErrorCode>;

export class LowBalanceService {
  constructor(private readonly deps: LowBalanceDeps) {}

  async walletThreshold(businessId: string, customerId: string, currency: string): Promise<ThresholdResult<WalletThreshold>> {
    const refused = await this.refusal(businessId, customerId, currency);
    if (refused) return refused;
    const { db } = this.deps;
    const own = await db.selectFrom('low_balance_thresholds').select('amount').where('customer_id', '=', customerId).where('currency', '=', currency).executeTakeFirst();
    if (own) return ok({ customer_id: customerId, currency, amount: Number(own.amount), source: 'wallet' });
    const fallback = await db.selectFrom('low_balance_defaults').select('amount').where('business_id', '=', businessId).where('currency', '=', currency).executeTakeFirst();
    if (fallback) return ok({ customer_id: customerId, currency, amount: Number(fallback.amount), source: 'business_default' });
    return ok({ customer_id: customerId, currency, amount: null, source: 'none' });
  }

  /** Sets the wallet's own threshold; the next entry on the wallet is judged against it. */
  async setWalletThreshold(businessId: string, customerId: string, currency: string, amount: number): Promise<ThresholdResult<WalletThreshold>> {
    const refused = await this.refusal(businessId, customerId, currency);
    if (refused) return refused;
    const row = { customer_id: customerId, currency, business_id: businessId, amount, updated_at: this.deps.clock.now().toISOString() };
    await this.deps.db
      .insertInto('low_balance_thresholds')
      .values(row)
      .onConflict((conflict) => conflict.columns(['customer_id', 'currency']).doUpdateSet({ amount: row.amount, updated_at: row.updated_at }))
      .execute();
    return ok({ customer_id: customerId, currency, amount, source: 'wallet' });
  }

  /** Removes the wallet's own threshold: the business default (if any) applies again. */
  async clearWalletThreshold(businessId: string, customerId: string, currency: string): Promise<ThresholdResult<WalletThreshold>> {
    const refused = await this.refusal(businessId, customerId, currency);
    if (refused) return refused;
    await this.deps.db.deleteFrom('low_balance_thresholds').where('customer_id', '=', customerId).where('currency', '=', currency).execute();
    return this.walletThreshold(businessId, customerId, currency);
  }

  async defaults(businessId: string): Promise<{ items: DefaultThreshold[] }> {
    const rows = await this.deps.db.selectFrom('low_balance_defaults').select(['currency', 'amount', 'updated_at']).where('business_id', '=', businessId).orderBy('currency').execute();
    return { items: rows.map((row) => ({ currency: row.currency, amount: Number(row.amount), updated_at: row.updated_at })) };
  }

  async setDefault(businessId: string, currency: string, amount: number): Promise<ThresholdResult<DefaultThreshold>> {
    if (!this.deps.currencies.includes(currency)) return this.unsupported(currency);
    const row = { business_id: businessId, currency, amount, updated_at: this.deps.clock.now().toISOString() };
    await this.deps.db
      .insertInto('low_balance_defaults')
      .values(row)
      .onConflict((conflict) => conflict.columns(['business_id', 'currency']).doUpdateSet({ amount: row.amount, updated_at: row.updated_at }))
      .execute();
    return ok({ currency, amount, updated_at: row.updated_at });
  }

  async clearDefault(businessId: string, currency: string): Promise<ThresholdResult<{ items: DefaultThreshold[] }>> {
    if (!this.deps.currencies.includes(currency)) return this.unsupported(currency);
    await this.deps.db.deleteFrom('low_balance_defaults').where('business_id', '=', businessId).where('currency', '=', currency).execute();
    return ok(await this.defaults(businessId));
  }

  private async refusal(businessId: string, customerId: string, currency: string) {
    const customer = await this.deps.db.selectFrom('customers').select('id').where('id', '=', customerId).where('business_id', '=', businessId).executeTakeFirst();
    if (!customer) return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
    if (!this.deps.currencies.includes(currency)) return this.unsupported(currency);
    return null;
  }

  private unsupported(currency: string) {
    return err('UNSUPPORTED_CURRENCY', `Currency ${currency} is not supported for wallets; supported: ${this.deps.currencies.join(', ')}`);
  }
}
