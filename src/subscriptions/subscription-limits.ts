// Bounds and names of subscriptions, unit last in each name.

/** The renewal and dunning job (one kind): key `<subscription id>:<period index>` for a renewal, `…:retry:<n>` for a retry. */
export const subscriptionBillJobKind = 'subscriptions.bill';
/** Attempts of one renewal job (a crash, a busy writer); the dunning schedule decides the retries of a declined payment. */
export const subscriptionBillAttemptsMax = 20;
/** How long a renewal waits for its invoice's payment to leave `processing` (its recovery job finishes it). */
export const paymentPendingRetryMs = 30_000;

/** Dunning retries after a failed renewal, in hours after the first failure (COFFER_DUNNING_RETRY_HOURS). */
export const dunningRetryHoursDefault: readonly number[] = [24, 72, 168];
export const dunningRetriesMax = 10;
export const dunningRetryHoursMax = 8_760;

/** interval_count at most (e.g. 120 months); metadata bounds like invoices'. */
export const intervalCountMax = 365;
export const chargeDescriptionLengthMax = 500;
