// The order in which a debit consumes a wallet's lots: soonest expiry first, non-expiring last; at equal expiry
// promotional before paid; then oldest first. Pure: the writer, the store's index and the tests share it.

export const lotCategories = ['paid', 'promotional'] as const;
export type LotCategory = (typeof lotCategories)[number];

/**
 * Stored in `credit_lots.expires_order` for a lot that never expires: after every real timestamp, so that one
 * ascending index serves the order on both stores (SQLite has no NULLS LAST in an index).
 */
export const neverExpiresOrder = '9999-12-31T23:59:59.999Z';

/** `credit_lots.category_rank`: promotional money is spent before paid money of the same expiry. */
export const categoryRank: { readonly [C in LotCategory]: number } = { promotional: 0, paid: 1 };

export interface LotOrderKey {
  /** ISO-8601 instant, or null: never expires. */
  expiresAt: string | null;
  category: LotCategory;
  /** The wallet_seq of the credit that made the lot (0 for an opening lot): older lots have smaller ones. */
  walletSeq: number;
}

export const expiresOrderOf = (expiresAt: string | null): string => expiresAt ?? neverExpiresOrder;

/** Negative when `a` is consumed before `b`. */
export function compareLots(a: LotOrderKey, b: LotOrderKey): number {
  const byExpiry = expiresOrderOf(a.expiresAt).localeCompare(expiresOrderOf(b.expiresAt));
  if (byExpiry !== 0) return byExpiry < 0 ? -1 : 1;
  const byCategory = categoryRank[a.category] - categoryRank[b.category];
  if (byCategory !== 0) return byCategory;
  return a.walletSeq - b.walletSeq;
}

/** From `expires_at` on, a lot's remainder cannot be spent (ISO-8601 Z strings compare in time order). */
export function isExpiredAt(expiresAt: string | null, now: string): boolean {
  return expiresAt !== null && expiresAt <= now;
}
