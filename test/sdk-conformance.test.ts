// The official dodopayments@2.52.0 SDK against a real listening Coffer: every example of the product doc, on both stores.
// The examples below are copied from /work/shared/seed/customer-wallets.md; only types were added so they compile.
import DodoPayments, { BadRequestError, ConflictError } from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LoopbackProxy, sdkClient, useSdkApp } from './support/sdk.ts';
import { storeKinds } from './support/stores.ts';
import type { TestApp } from './support/test-app.ts';

describe.each(storeKinds)('SDK conformance [%s]', (kind) => {
  const sdk = useSdkApp(kind);
  const { newCustomer, balanceOf, entriesOf } = sdk;
  let t: TestApp;
  let client: DodoPayments;
  let counting: LoopbackProxy;
  beforeAll(() => {
    ({ t, client, counting } = sdk);
  });

  // ---- The product doc's examples, verbatim apart from TypeScript annotations. ----

  async function refundToWallet(customerId: string, refundAmount: number, originalPaymentId: string) {
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: refundAmount, // Amount in cents
      currency: 'USD',
      entry_type: 'credit',
      reason: `Refund for payment ${originalPaymentId}`,
      idempotency_key: `refund_${originalPaymentId}`
    });
  }

  async function addWelcomeBonus(customerId: string) {
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 1000, // $10.00 promotional balance
      currency: 'USD',
      entry_type: 'credit',
      reason: 'Welcome bonus - $10 promotional balance',
      idempotency_key: `welcome_${customerId}`
    });
  }

  async function deductForPurchase(customerId: string, purchaseAmount: number, purchaseId: string) {
    try {
      await client.customers.wallets.ledgerEntries.create(customerId, {
        amount: purchaseAmount,
        currency: 'USD',
        entry_type: 'debit',
        reason: `Subscription charge - monthly billing`,
        idempotency_key: `charge_${purchaseId}`
      });
    } catch (error: any) {
      if (error.status === 400) {
        console.log('Insufficient wallet balance');
      }
    }
  }

  async function addFundsSafely(customerId: string, amount: number, reason: string) {
    const idempotencyKey = `${reason}_${customerId}_${Date.now()}`;

    try {
      const result = await client.customers.wallets.ledgerEntries.create(customerId, {
        amount: amount,
        currency: 'USD',
        entry_type: 'credit',
        reason: reason,
        idempotency_key: idempotencyKey
      });

      return { success: true, wallet: result };
    } catch (error: any) {
      if (error.status === 409) {
        // Transaction already processed
        return { success: true, wallet: null, duplicate: true };
      }

      throw error;
    }
  }

  async function checkBalanceBeforeOperation(customerId: string, requiredAmount: number) {
    const wallets = await client.customers.wallets.list(customerId);
    const usdWallet = wallets.items.find(w => w.currency === 'USD');

    if (!usdWallet || usdWallet.balance < requiredAmount) {
      throw new Error('Insufficient funds for this operation');
    }

    return usdWallet.balance;
  }

  it('refundToWallet credits the refund once, with the reason on the entry', async () => {
    const customerId = await newCustomer('Refund Customer');
    await refundToWallet(customerId, 2500, 'pay_123');
    expect(await balanceOf(customerId)).toBe(2500);
    const [entry] = await entriesOf(customerId);
    expect(entry).toMatchObject({
      amount: 2500, currency: 'USD', is_credit: true, before_balance: 0, after_balance: 2500,
      event_type: 'merchant_adjustment', reason: 'Refund for payment pay_123', customer_id: customerId, business_id: t.businessId,
    });
    // The same refund processed twice: the doc's function does not catch, so the caller sees the 409.
    await expect(refundToWallet(customerId, 2500, 'pay_123')).rejects.toBeInstanceOf(ConflictError);
    expect(await balanceOf(customerId)).toBe(2500);
    expect(await entriesOf(customerId)).toHaveLength(1);
  });

  it('addWelcomeBonus adds $10 once per customer', async () => {
    const customerId = await newCustomer('Welcome Customer');
    await addWelcomeBonus(customerId);
    await expect(addWelcomeBonus(customerId)).rejects.toMatchObject({ status: 409 });
    expect(await balanceOf(customerId)).toBe(1000);
    expect((await entriesOf(customerId)).map((e) => e.reason)).toEqual(['Welcome bonus - $10 promotional balance']);
  });

  it('deductForPurchase debits, takes the error.status === 400 branch on insufficient funds, and the key stays usable', async () => {
    const customerId = await newCustomer('Purchase Customer');
    await addWelcomeBonus(customerId);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await deductForPurchase(customerId, 400, 'pur_1');
      expect(await balanceOf(customerId)).toBe(600);
      expect(log).not.toHaveBeenCalled();

      await deductForPurchase(customerId, 700, 'pur_2');
      expect(log).toHaveBeenCalledWith('Insufficient wallet balance');
      expect(await balanceOf(customerId)).toBe(600);
      expect(await entriesOf(customerId)).toHaveLength(2);

      // Nothing was written, so after a top-up the same charge (same key) goes through.
      await refundToWallet(customerId, 100, `pay_topup_${customerId}`);
      log.mockClear();
      await deductForPurchase(customerId, 700, 'pur_2');
      expect(log).not.toHaveBeenCalled();
      expect(await balanceOf(customerId)).toBe(0);
      const [last] = await entriesOf(customerId);
      expect(last).toMatchObject({ amount: 700, is_credit: false, before_balance: 700, after_balance: 0, reason: 'Subscription charge - monthly billing' });
    } finally {
      log.mockRestore();
    }
  });

  it('runs the prepaid billing flow: deposit, purchases, and monitors a low balance', async () => {
    const customerId = await newCustomer('Prepaid Customer');
    const paymentId = 'pay_prepaid_1';
    const notifications: Array<[string, number]> = [];
    const sendLowBalanceNotification = async (id: string, balance: number) => {
      notifications.push([id, balance]);
    };
    const purchase = async (purchaseId: string) => {
      await client.customers.wallets.ledgerEntries.create(customerId, {
        amount: 1500, // $15.00 charge
        currency: 'USD',
        entry_type: 'debit',
        reason: 'Service purchase - monthly subscription',
        idempotency_key: `purchase_${purchaseId}`
      });
    };
    const monitor = async () => {
      const wallets = await client.customers.wallets.list(customerId);
      const usdWallet = wallets.items.find(w => w.currency === 'USD')!;
      const balance = usdWallet.balance;

      if (balance < 1000) { // Less than $10.00
        // Send low balance notification
        await sendLowBalanceNotification(customerId, balance);
      }
    };

    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 5000, // $50.00 deposit
      currency: 'USD',
      entry_type: 'credit',
      reason: 'Account funding - prepaid deposit',
      idempotency_key: `deposit_${paymentId}`
    });
    await purchase('p1');
    await monitor();
    expect(notifications).toEqual([]);
    await purchase('p2');
    await purchase('p3');
    await monitor();
    expect(notifications).toEqual([[customerId, 500]]);
    await expect(purchase('p4')).rejects.toBeInstanceOf(BadRequestError);
    expect((await entriesOf(customerId)).map((e) => e.after_balance)).toEqual([500, 2000, 3500, 5000]);
  });

  it('keeps separate USD and INR balances and totals them in USD', async () => {
    const customerId = await newCustomer('Global Customer');
    const paymentId = 'pay_multi_1';
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 20000, // $200.00 in cents
      currency: 'USD',
      entry_type: 'credit',
      reason: 'USD account funding',
      idempotency_key: `usd_deposit_${paymentId}`
    });
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 1500000, // Rs 15,000 in paise
      currency: 'INR',
      entry_type: 'credit',
      reason: 'INR account funding',
      idempotency_key: `inr_deposit_${paymentId}`
    });
    const wallets = await client.customers.wallets.list(customerId);
    expect(wallets.items.find((w) => w.currency === 'USD')?.balance).toBe(20000);
    expect(wallets.items.find((w) => w.currency === 'INR')?.balance).toBe(1500000);
    // Rs 15,000 at the default 0.012 USD per rupee is $180.00.
    expect(wallets.total_balance_usd).toBe(20000 + 18000);
    const inr = await client.customers.wallets.ledgerEntries.list(customerId, { currency: 'INR', page_number: 0 });
    expect(inr.items.map((e) => [e.currency, e.amount])).toEqual([['INR', 1500000]]);
  });

  it('addFundsSafely credits once and takes its 409 branch on a repeat, with only one request sent', async () => {
    const customerId = await newCustomer('Safe Customer');
    const proxied = sdkClient(counting.baseUrl, t.apiKey);
    const viaProxy = async (amount: number, reason: string) => {
      const saved = client;
      client = proxied;
      try {
        return await addFundsSafely(customerId, amount, reason);
      } finally {
        client = saved;
      }
    };
    // The doc's key includes Date.now(): the same event handled twice within one millisecond repeats the key.
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_000);
    try {
      const first = await viaProxy(2000, 'loyalty_reward');
      expect(first).toMatchObject({ success: true, wallet: { balance: 2000, currency: 'USD', customer_id: customerId } });
      const before = counting.matching('POST', `/customers/${customerId}/`).length;
      const second = await viaProxy(2000, 'loyalty_reward');
      expect(second).toEqual({ success: true, wallet: null, duplicate: true });
      const repeats = counting.matching('POST', `/customers/${customerId}/`).slice(before);
      expect(repeats.map((r) => [r.retryCount, r.upstreamStatus])).toEqual([[0, 409]]);
    } finally {
      now.mockRestore();
    }
    expect(await balanceOf(customerId)).toBe(2000);
    expect(await entriesOf(customerId)).toHaveLength(1);
  });

  it('checkBalanceBeforeOperation returns the balance or throws', async () => {
    const customerId = await newCustomer('Check Customer');
    await refundToWallet(customerId, 3000, `pay_check_${customerId}`);
    expect(await checkBalanceBeforeOperation(customerId, 3000)).toBe(3000);
    await expect(checkBalanceBeforeOperation(customerId, 3001)).rejects.toThrow('Insufficient funds for this operation');
  });
});
