// POST /dashboard/customers/:id/entries: a credit or debit typed as money, through LedgerService.postEntry.
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field } from './context.ts';
import { customerPage } from './customer-page.ts';
import { formatMoney, parseMoney } from './money-text.ts';

export const reasonLengthMax = 500;
const idempotencyKeyPattern = /^dash_[0-9A-Za-z]{24}$/;

export async function postEntryAction(services: DashboardServices, signedIn: SignedIn, customerId: string, body: unknown): Promise<PageAnswer> {
  const currency = field(body, 'currency', 3) ?? '';
  const entryType = field(body, 'entry_type', 10);
  const amountText = field(body, 'amount', 64) ?? '';
  const reasonText = (field(body, 'reason', reasonLengthMax) ?? '').trim();
  const typed = { currency, entryType, amount: amountText, reason: reasonText };
  const refuse = (error: string, status: number) => customerPage(services, signedIn, customerId, {}, { ...typed, error }, status);

  if (signedIn.viewer.readOnly) {
    return refuse('Refused: this API key is read-only, so it cannot credit or debit. Sign in with a read-write key.', 403);
  }
  if (!services.currencies.includes(currency)) return refuse(`Choose one of the wallet currencies: ${services.currencies.join(', ')}.`, 422);
  if (entryType !== 'credit' && entryType !== 'debit') return refuse('Choose Credit or Debit.', 422);
  const amount = parseMoney(amountText, currency);
  if (!amount.ok) return refuse(`${amount.message}.`, 422);
  const key = field(body, 'idempotency_key', 64);
  // The form carries its key; a request without one (a hand-made POST) is refused rather than applied unprotected.
  if (key === undefined || !idempotencyKeyPattern.test(key)) return refuse('The form is missing its idempotency key; reload the page and try again.', 422);

  const result = await services.ledger.postEntry({
    businessId: signedIn.principal.businessId,
    customerId,
    currency,
    amount: amount.value,
    entryType,
    reason: reasonText === '' ? null : reasonText,
    idempotencyKey: key,
  });
  const money = formatMoney(amount.value, currency);
  if (result.ok) {
    const verb = entryType === 'credit' ? 'Credited' : 'Debited';
    const notice = `${verb} ${money}. The ${currency} balance is now ${formatMoney(result.value.wallet.balance, currency)}.`;
    return customerPage(services, signedIn, customerId, {}, { currency, entryType, notice });
  }
  switch (result.code) {
    case 'IDEMPOTENCY_KEY_ALREADY_USED': {
      // The same form sent twice (a double click, a resend): the first one applied, this one changes nothing.
      const wallet = result.details?.wallet as { balance: number } | undefined;
      const balance = wallet ? ` The ${currency} balance is ${formatMoney(wallet.balance, currency)}.` : '';
      return customerPage(services, signedIn, customerId, {}, { currency, entryType, notice: `This form was already applied once; it was not applied again.${balance}` });
    }
    case 'INSUFFICIENT_WALLET_FUNDS': {
      const available = Number(result.details?.balance ?? 0);
      return refuse(`Insufficient funds: the ${currency} wallet holds ${formatMoney(available, currency)}, so at most ${formatMoney(available, currency)} can be debited (you asked for ${money}). Nothing was debited.`, 400);
    }
    case 'WALLET_BALANCE_LIMIT_EXCEEDED':
      return refuse(`Refused: this credit would take the ${currency} balance past the largest balance a wallet may hold. Nothing was credited.`, 400);
    case 'CUSTOMER_NOT_FOUND':
      return refuse('This customer no longer exists.', 404);
    case 'SERVER_BUSY':
      return refuse('Coffer is busy and wrote nothing; press Apply again in a moment (it will apply once).', 503);
    default:
      return refuse(`Refused: ${result.message}.`, 400);
  }
}
