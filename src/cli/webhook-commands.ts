// The operator's webhook commands: `coffer webhooks list`, `coffer webhooks test <id>`, `coffer webhooks redeliver <id>`.
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { openStore } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations/index.ts';
import { dateTimeProblem } from '../http/date-time.ts';
import { systemClock } from '../shared/clock.ts';
import { idGenerator } from '../shared/ids.ts';
import { endpointSummaries } from '../webhooks/delivery-repo.ts';
import { DeliveryService } from '../webhooks/delivery-service.ts';
import { Refusal, exitCodes, guarded } from './ops-commands.ts';

/** Most endpoints `coffer webhooks list` prints. */
export const listedEndpointsMax = 1_000;

const out = (line: string) => process.stdout.write(`${line}\n`);

async function withDeliveries<T>(run: (deliveries: DeliveryService, store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const store = await openStore(config);
  try {
    await migrateToLatest(store.db, store.kind);
    const deliveries = new DeliveryService({
      db: store.db,
      clock: systemClock,
      newId: idGenerator(systemClock),
      allowPrivateUrls: config.webhookAllowPrivateUrls,
      timeoutMs: config.webhookTimeoutMs,
    });
    return await run(deliveries, store);
  } finally {
    await store.close();
  }
}

export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('inspect webhook endpoints, send a test delivery, redeliver events');

  webhooks
    .command('list')
    .description(`list webhook endpoints (all businesses, the first ${listedEndpointsMax} by id) with their pending and failed deliveries`)
    .option('--json', 'print the list as JSON')
    .action(
      guarded(async (options: { json?: boolean }) =>
        withDeliveries(async (_deliveries, store) => {
          const endpoints = await endpointSummaries(store.db, listedEndpointsMax);
          if (options.json) {
            out(JSON.stringify(endpoints.map((e) => ({ ...e, disabled: e.disabled === 1 })), null, 2));
            return exitCodes.ok;
          }
          if (endpoints.length === 0) out('no webhook endpoints');
          for (const e of endpoints) {
            const state = e.disabled === 1 ? `disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ''}` : 'enabled';
            out(`${e.id}  ${e.business_id}  ${state}  pending ${e.pending}  failed ${e.failed}  ${e.url}`);
          }
          return exitCodes.ok;
        }),
      ),
    );

  webhooks
    .command('test')
    .description('send a signed webhook.test event to the endpoint now and print its answer (not stored, not retried)')
    .argument('<endpoint-id>', 'webhook endpoint id (whk_…)')
    .action(
      guarded(async (endpointId: string) =>
        withDeliveries(async (deliveries) => {
          const result = await deliveries.sendTest('operator', endpointId);
          if (!result.ok) throw new Refusal(`webhook endpoint ${endpointId} not found`);
          const { status_code: status, latency_ms: latencyMs, error, url, event_id: eventId } = result.value;
          if (status === null) {
            out(`webhooks test: ${url} failed after ${latencyMs} ms: ${error} (webhook-id ${eventId})`);
            return exitCodes.findings;
          }
          out(`webhooks test: ${url} answered ${status} in ${latencyMs} ms (webhook-id ${eventId})`);
          return status >= 200 && status < 300 ? exitCodes.ok : exitCodes.findings;
        }),
      ),
    );

  webhooks
    .command('redeliver')
    .description('enqueue a new delivery of one event, or of every subscribed event since a time (a serving Coffer sends them)')
    .argument('<endpoint-id>', 'webhook endpoint id (whk_…)')
    .option('--event <id>', 'the event to send again (evt_…)')
    .option('--since <time>', 'send every event created at or after this RFC 3339 time again (at most 10,000)')
    .action(
      guarded(async (endpointId: string, options: { event?: string; since?: string }) => {
        if ((options.event === undefined) === (options.since === undefined)) throw new Refusal('give exactly one of --event <id> or --since <time>');
        if (options.since !== undefined && dateTimeProblem(options.since) !== null) {
          throw new Refusal(`--since ${dateTimeProblem(options.since)}; give a time such as 2025-03-01T10:00:00Z`);
        }
        return withDeliveries(async (deliveries) => {
          const result = await deliveries.redeliver('operator', endpointId, { event_id: options.event, since: options.since });
          if (!result.ok) throw new Refusal(result.message);
          const { enqueued, truncated } = result.value;
          out(`webhooks redeliver: enqueued ${enqueued} deliver${enqueued === 1 ? 'y' : 'ies'} to ${endpointId}${truncated ? ' (the oldest 10,000 matching events; run again with a later --since for the rest)' : ''}`);
          return exitCodes.ok;
        });
      }),
    );
}
