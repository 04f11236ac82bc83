// A job worker process for the multi-process tests: runs a JobRuntime with the test kind on the store its environment names, until SIGTERM.
import { loadConfig } from '../../src/config/config.ts';
import { openStore } from '../../src/db/database.ts';
import { JobRuntime } from '../../src/jobs/job-runtime.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { effectHandler, testJobKind } from './test-kind.ts';

const owner = process.env.JOB_WORKER_OWNER ?? `worker-${process.pid}`;
const limits = JSON.parse(process.env.JOB_WORKER_LIMITS ?? '{}');
const store = await openStore(loadConfig(process.env));
const line = (level: string) => (object: object, message: string) =>
  process.stderr.write(`${JSON.stringify({ level, owner, msg: message, ...object })}\n`);
const runtime = new JobRuntime({
  db: store.db,
  store: store.kind,
  clock: systemClock,
  owner,
  handlers: { [testJobKind]: effectHandler(store.db, owner) },
  limits,
  logger: { info: line('info'), warn: line('warn'), error: line('error') },
});

process.once('SIGTERM', () => {
  void (async () => {
    await runtime.stop();
    await store.close();
    process.stdout.write(`worker stopped ${JSON.stringify(runtime.stats())}\n`);
    process.exit(0);
  })();
});
runtime.start();
process.stdout.write('worker ready\n');
// The runtime's timer does not keep the process alive; this does, until SIGTERM.
setInterval(() => {}, 1_000_000);
