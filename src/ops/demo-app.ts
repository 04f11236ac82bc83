// The one place the demo builds Coffer in-process, through the composition root, on a clock the demo moves.
import { type CofferApp, buildCoffer } from '../app/coffer.ts';
import type { Config } from '../config/config.ts';
import type { Store } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * Coffer with the demo's clock, no logs and no rate limit (the demo sends months of traffic in seconds). Closing the
 * app leaves the store open: the demo's caller opened it and closes it.
 */
export async function buildDemoApp(config: Config, store: Store, clock: Clock): Promise<CofferApp> {
  const borrowed: Store = { ...store, close: async () => {} };
  const coffer = await buildCoffer({ config: { ...config, rateLimitPerSecond: 0 }, store: borrowed, clock, logger: false });
  await coffer.app.ready();
  return coffer;
}
