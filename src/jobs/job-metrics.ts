// Prometheus metrics of the job runtime, per kind: jobs due, jobs running here, final failures, attempts.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LoadGauge } from './load-gauge.ts';

export interface JobMetrics {
  attemptStarted(kind: string): void;
  running(kind: string, delta: 1 | -1): void;
  finallyFailed(kind: string): void;
}

/**
 * Registers the job metrics on `registry` (once per registry). `countDue` is read at scrape time, so `coffer_jobs_due`
 * is the store's count across all processes; the others count this process's own work.
 */
export function createJobMetrics(
  registry: Registry,
  kinds: readonly string[],
  countDue: () => Promise<Map<string, number>>,
  onCollectError: (error: unknown) => void,
): JobMetrics {
  const labelNames = ['kind'] as const;
  new Gauge({
    name: 'coffer_jobs_due',
    help: 'Pending jobs that are due and not leased, waiting to be claimed (all processes)',
    labelNames,
    registers: [registry],
    async collect() {
      try {
        const due = await countDue();
        for (const kind of new Set([...kinds, ...due.keys()])) this.set({ kind }, due.get(kind) ?? 0);
      } catch (error) {
        onCollectError(error);
      }
    },
  });
  const running = new Gauge({ name: 'coffer_jobs_running', help: 'Job handlers running in this process', labelNames, registers: [registry] });
  const failed = new Counter({
    name: 'coffer_jobs_failed_total',
    help: 'Jobs that failed for good (attempts exhausted or given up) in this process',
    labelNames,
    registers: [registry],
  });
  const attempts = new Counter({ name: 'coffer_job_attempts_total', help: 'Job attempts started by this process', labelNames, registers: [registry] });
  // Every handled kind shows from the start, at 0.
  for (const kind of kinds) {
    running.set({ kind }, 0);
    failed.inc({ kind }, 0);
    attempts.inc({ kind }, 0);
  }
  return {
    attemptStarted: (kind) => attempts.inc({ kind }),
    running: (kind, delta) => running.inc({ kind }, delta),
    finallyFailed: (kind) => failed.inc({ kind }),
  };
}

/** The load gauge's last sample and whether background jobs are yielding to the API because of it. */
export function registerLoadMetrics(registry: Registry, gauge: Pick<LoadGauge, 'busy' | 'sample'>): void {
  new Gauge({
    name: 'coffer_event_loop_utilization',
    help: 'Share of the last sample interval the event loop was busy (0..1)',
    registers: [registry],
    collect() {
      this.set(gauge.sample.eventLoop);
    },
  });
  new Gauge({
    name: 'coffer_machine_cpu_utilization',
    help: "Share of the last sample interval the machine's CPUs were busy (0..1; -1 where it cannot be read)",
    registers: [registry],
    collect() {
      this.set(gauge.sample.machine ?? -1);
    },
  });
  new Gauge({
    name: 'coffer_write_batch_mean',
    help: 'Mean commands per ledger commit over the last sample interval (0 without commits; above 1, writes queued)',
    registers: [registry],
    collect() {
      this.set(gauge.sample.writeBatch);
    },
  });
  new Gauge({
    name: 'coffer_jobs_yielding',
    help: 'Whether job claims are spaced out because the process or machine is saturated (1) or run as slots free (0)',
    registers: [registry],
    collect() {
      this.set(gauge.busy() ? 1 : 0);
    },
  });
}
