// The one place the demo builds Coffer's HTTP app in-process (so it can be re-pointed when the wiring moves).
import type { Config } from '../config/config.ts';
import type { Store } from '../db/database.ts';
import { type CofferApp, buildApp } from '../http/app.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * Coffer with the demo's clock, no logs and no rate limit (the demo sends months of traffic in seconds). Closing the
 * app leaves the store open: the demo's caller opened it and closes it.
 */
export async function buildDemoApp(config: Config, store: Store, clock: Clock): Promise<CofferApp> {
  const borrowed: Store = { kind: store.kind, db: store.db, durability: store.durability, close: async () => {} };
  const coffer = await buildApp({ config: { ...config, rateLimitPerSecond: 0 }, store: borrowed, clock, logger: false });
  await coffer.app.ready();
  return coffer;
}
