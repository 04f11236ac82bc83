// A background WAL checkpointer for SQLite: copies committed WAL pages back into the database file from a worker
// thread, so the writer's commits (on the event loop's thread) no longer stall on a checkpoint's writes and fsync.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * The worker opens its own connection and runs PASSIVE checkpoints every `intervalMs`: PASSIVE never blocks the
 * writer or a reader, and copies only frames no reader still needs. The writer keeps its own autocheckpoint as a
 * fallback (it then finds the frames already copied). Plain CommonJS, evaluated, so it runs the same under tsx,
 * vitest and the compiled build.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* busy or closing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage('stopped');
});
`;

export function startCheckpointer(file: string, options: { intervalMs: number; synchronous: string }): Checkpointer {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { file, driverPath, ...options } });
  worker.unref();
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve(), () => resolve());
        worker.once('message', done);
        worker.once('error', done);
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      return stopping;
    },
  };
}
