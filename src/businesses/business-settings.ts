// A business's settings: its IANA time zone, which day buckets (reports, trends, subscriptions) follow.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

export const timeZoneDefault = 'UTC';
export const timeZoneLengthMax = 64;

/** Whether Intl knows the zone (an IANA name such as Europe/Paris, or UTC). */
export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > timeZoneLengthMax) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The business's time zone; UTC for a business that does not exist (callers check existence themselves). */
export async function getBusinessTimeZone(db: Kysely<Database> | Transaction<Database>, businessId: string): Promise<string> {
  const row = await db.selectFrom('businesses').select('time_zone').where('id', '=', businessId).executeTakeFirst();
  return row?.time_zone ?? timeZoneDefault;
}

/**
 * Sets the zone in one transaction with dropping the business's day rollups and rewinding their cursors, which were bucketed in
 * the old zone: reads stay exact meanwhile (from the raw entries) and the rollup job rebuilds them in the new zone.
 */
export async function setBusinessTimeZone(db: Kysely<Database>, businessId: string, zone: string): Promise<{ time_zone: string; changed: boolean }> {
  // Stored as sent (Intl reads any valid spelling; its own canonical names are older ones: Asia/Kolkata → Asia/Calcutta).
  return db.transaction().execute(async (trx) => {
    const current = await getBusinessTimeZone(trx, businessId);
    if (current === zone) return { time_zone: zone, changed: false };
    await trx.updateTable('businesses').set({ time_zone: zone }).where('id', '=', businessId).execute();
    await trx.deleteFrom('wallet_day_rollups').where('business_id', '=', businessId).execute();
    await trx.deleteFrom('wallet_month_rollups').where('business_id', '=', businessId).execute();
    await trx.deleteFrom('business_day_rollups').where('business_id', '=', businessId).execute();
    // Back to 0, not away: the forecast flag stays (no wallet.depletion_forecast fires twice for one crossing).
    await trx.updateTable('wallet_rollup_cursors').set({ rolled_seq: 0 }).where('business_id', '=', businessId).execute();
    return { time_zone: zone, changed: true };
  });
}
