// Drives one load phase with autocannon over loopback and summarises it with exact (sub-millisecond) percentiles.
import autocannon from 'autocannon';

export interface PhaseResult {
  name: string;
  connections: number;
  durationSeconds: number;
  /** 2xx responses per second: for ledger posts, entries committed per second. */
  okPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
}

export interface PhaseSpec {
  name: string;
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Called for every request: the path and, for POST, the JSON body. */
  next: () => { path: string; body?: string };
}

/** Values kept for percentiles; a phase longer than this many responses keeps the first ones (bounded memory). */
const latencySamplesMax = 5_000_000;

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  let latencies = new Float64Array(65_536);
  let count = 0;
  // Without a callback autocannon returns its event emitter, made thenable: events for each response, then the result.
  const instance = autocannon({
    url: spec.baseUrl,
    connections: spec.connections,
    duration: spec.durationSeconds,
    headers: { ...spec.headers, ...(spec.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    requests: [
      {
        method: spec.method,
        setupRequest: (request) => {
          const next = spec.next();
          return { ...request, path: next.path, ...(next.body === undefined ? {} : { body: next.body }) };
        },
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, _statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (count === latencies.length) {
      if (count >= latencySamplesMax) return;
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTimeMs;
  });
  const result = await instance;
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, (stats as { count: number }).count]),
  );
  const ok = result['2xx'];
  return {
    name: spec.name,
    connections: spec.connections,
    durationSeconds: result.duration,
    okPerSecond: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
      mean: count > 0 ? sum / count : Number.NaN,
    },
  };
}
