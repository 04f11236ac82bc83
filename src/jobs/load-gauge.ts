// Whether the API is busy and the process or the machine saturated: background jobs slow down then, so that they never
// take the API's capacity; when the API is quiet they run at full speed even if they saturate the process themselves.
import fs from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface LoadGauge {
  /**
   * True while the last sample saw the API serving at least apiBusyPerSecond requests per second and the event loop,
   * the machine's CPUs or the ledger's commits (commands per commit) at or above their busy level.
   */
  busy(): boolean;
  /** The last sample's figures, for metrics and logs. */
  readonly sample: Readonly<LoadSample>;
  stop(): void;
}

export interface LoadSample {
  /** Share of the last interval the event loop was running code (0..1). */
  eventLoop: number;
  /** Share of the last interval the machine's CPUs were not idle (0..1); null where /proc/stat cannot be read. */
  machine: number | null;
  /** API responses per second over the last interval. */
  apiPerSecond: number;
  /** Mean commands per ledger commit over the last interval (0 without commits): above 1, writes were queueing. */
  writeBatch: number;
}

export interface LoadGaugeOptions {
  intervalMs: number;
  /** Event loop utilisation from which the process counts as busy. */
  eventLoopBusy: number;
  /** Machine CPU utilisation from which the process counts as busy (a database on the same machine shares the CPUs). */
  machineBusy: number;
  /** API responses per second from which the API counts as in use (below it, background work never yields). */
  apiBusyPerSecond: number;
  /**
   * Mean commands per ledger commit from which the write path counts as saturated: writes wait for the commit before
   * theirs. It catches a saturated database that neither this event loop nor the machine's idle time shows (PostgreSQL
   * waiting on its fsync counts as idle CPU).
   */
  writeBatchBusy: number;
}

/** Running totals of the ledger writer's commits and the commands they held. */
export interface WriteTotals {
  batches: number;
  commands: number;
}

export const loadGaugeDefaults: Readonly<LoadGaugeOptions> = Object.freeze({ intervalMs: 250, eventLoopBusy: 0.8, machineBusy: 0.9, apiBusyPerSecond: 100, writeBatchBusy: 4 });

interface CpuTimes {
  idle: number;
  total: number;
}

/** The first line of /proc/stat: the machine's CPU time so far, idle and in all. Null off Linux. */
export function readCpuTimes(read: () => string = () => fs.readFileSync('/proc/stat', 'utf8')): CpuTimes | null {
  try {
    const line = read().split('\n', 1)[0];
    if (!line.startsWith('cpu ')) return null;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
    // user nice system idle iowait irq softirq steal …: idle and iowait are the time the CPUs had nothing to run.
    const idle = fields[3] + (fields[4] ?? 0);
    return { idle, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/**
 * Samples the API's response count (`responses`, a running total), the event loop and the machine every intervalMs;
 * the timer does not keep the process alive.
 */
export function startLoadGauge(responses: () => number, options: Partial<LoadGaugeOptions> = {}, writes: () => Readonly<WriteTotals> = () => ({ batches: 0, commands: 0 })): LoadGauge {
  const settings = { ...loadGaugeDefaults, ...options };
  let lastWrites = { ...writes() };
  let lastLoop: EventLoopUtilization = performance.eventLoopUtilization();
  let lastCpu = readCpuTimes();
  let lastResponses = responses();
  let lastAt = performance.now();
  const sample: LoadSample = { eventLoop: 0, machine: null, apiPerSecond: 0, writeBatch: 0 };
  let busy = false;
  const timer = setInterval(() => {
    const at = performance.now();
    const served = responses();
    sample.apiPerSecond = ((served - lastResponses) * 1000) / Math.max(1, at - lastAt);
    lastResponses = served;
    lastAt = at;
    const loop = performance.eventLoopUtilization();
    sample.eventLoop = performance.eventLoopUtilization(loop, lastLoop).utilization;
    lastLoop = loop;
    const cpu = readCpuTimes();
    sample.machine = cpu && lastCpu && cpu.total > lastCpu.total ? 1 - (cpu.idle - lastCpu.idle) / (cpu.total - lastCpu.total) : null;
    lastCpu = cpu;
    const written = writes();
    const batches = written.batches - lastWrites.batches;
    sample.writeBatch = batches > 0 ? (written.commands - lastWrites.commands) / batches : 0;
    lastWrites = { batches: written.batches, commands: written.commands };
    const saturated =
      sample.eventLoop >= settings.eventLoopBusy ||
      (sample.machine !== null && sample.machine >= settings.machineBusy) ||
      sample.writeBatch >= settings.writeBatchBusy;
    busy = saturated && sample.apiPerSecond >= settings.apiBusyPerSecond;
  }, settings.intervalMs);
  timer.unref();
  return {
    busy: () => busy,
    sample,
    stop: () => clearInterval(timer),
  };
}
