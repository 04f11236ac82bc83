// What every migration file receives: the store it runs on (for the few type differences between the dialects).
import type { StoreKind } from '../../config/config.ts';

export interface MigrationContext {
  store: StoreKind;
}

/** Integer column wide enough for any safe-integer amount: bigint on PostgreSQL, INTEGER (64-bit) on SQLite. */
export const int64Type = (store: StoreKind) => (store === 'postgres' ? 'bigint' : 'integer');
