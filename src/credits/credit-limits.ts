// Bounds of balance expiration, unit last in each name.

/** The latest `expires_at` a credit may carry: five years (of 365.25 days) after the request. */
export const expiresAtHorizonDays = 1826;
export const expiresAtHorizonMs = expiresAtHorizonDays * 86_400_000;

/** Defaults of COFFER_CREDITS_EXPIRING_NOTICE_HOURS and COFFER_EXPIRING_WINDOW_DAYS. */
export const expiringNoticeHoursDefault = 168;
export const expiringWindowDaysDefault = 30;

/** Job kinds: record one lot's expiration (due at its expires_at), and warn before it (due notice hours earlier). */
export const lotExpiryJobKind = 'credits.expire';
export const lotNoticeJobKind = 'credits.notify_expiring';

/** The idempotency scope of expiration entries; the key is the lot id. */
export const lotExpiryScope = 'coffer:lot_expiry' as const;
