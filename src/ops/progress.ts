// A progress bar for the operator's tools: drawn only when stdout is a terminal, silent in pipes, logs and CI.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the total (it may grow) and how much of it is done. */
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/** A bar labelled `label`, counting `unit`s, on stdout; a no-op unless stdout is a terminal (or when disabled). */
export function progressBar(label: string, unit: string, options: { enabled?: boolean } = {}): Progress {
  const stream = process.stdout;
  if (!(options.enabled ?? stream.isTTY)) return silent;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(Math.max(total, 1), 0);
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(Math.min(done, Math.max(total, 1)));
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
