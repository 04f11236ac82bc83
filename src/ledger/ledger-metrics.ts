// The writer's gauges for /metrics: commands waiting for a batch, and commands refused because the queue was full.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LedgerWriter } from './ledger-writer.ts';

export function registerWriterMetrics(registry: Registry, writer: LedgerWriter): void {
  new Gauge({
    name: 'coffer_ledger_queue_depth',
    help: 'Ledger commands waiting for a batch',
    registers: [registry],
    collect() {
      this.set(writer.queueDepth);
    },
  });
  new Counter({
    name: 'coffer_ledger_refused_total',
    help: 'Ledger commands refused with SERVER_BUSY because the write queue was full',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(writer.stats.refused);
    },
  });
}
