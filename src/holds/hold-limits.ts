// Bounds and names of holds, unit last in each name.
import { expiresAtHorizonDays } from '../credits/credit-limits.ts';

/** The latest `expires_at` a hold may carry, in days after the request (the credits' horizon). */
export const holdExpiresAtHorizonDays = expiresAtHorizonDays;

/** The job that expires one hold, due at its expires_at; its key is the hold id. */
export const holdExpiryJobKind = 'holds.expire';

/** The scope of the expiration entry for a reservation released after its lot expired (key `<lot id>:<hold id>`). */
export const releasedLotExpiryScope = 'coffer:lot_expiry' as const;

/** The payload of a hold's expiry job. */
export interface HoldJobPayload {
  business_id: string;
  customer_id: string;
  currency: string;
  hold_id: string;
}
