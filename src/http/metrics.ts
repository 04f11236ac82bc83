// Prometheus metrics: request latency by route and status, and the size and duration of ledger commit batches.
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  observeBatch: (size: number, durationMs: number) => void;
  register(app: FastifyInstance): void;
  /** Responses sent so far by this process (the load gauge reads how fast the API is being used). */
  readonly responses: () => number;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'coffer_' });
  const requestSeconds = new Histogram({
    name: 'coffer_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'coffer_ledger_batch_size',
    help: 'Ledger commands per committed transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: 'coffer_ledger_batch_duration_seconds',
    help: 'Time to apply and commit one ledger batch',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  const entries = new Counter({ name: 'coffer_ledger_commands_total', help: 'Ledger commands committed', registers: [registry] });

  let responses = 0;
  return {
    registry,
    responses: () => responses,
    observeBatch(size, durationMs) {
      batchSize.observe(size);
      batchSeconds.observe(durationMs / 1000);
      entries.inc(size);
    },
    register(app) {
      app.addHook('onResponse', async (request, reply) => {
        responses += 1;
        requestSeconds.observe(
          { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
          reply.elapsedTime / 1000,
        );
      });
    },
  };
}
