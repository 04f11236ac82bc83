// docs/jobs.md: its "Adding a job kind" example is test/jobs/doc-example.ts verbatim, and that example works on both stores.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobRuntime } from '../src/jobs/job-runtime.ts';
import { newId } from '../src/shared/ids.ts';
import { type Deliver, businessRenamedHandler, businessRenamedKind, renameBusiness } from './jobs/doc-example.ts';
import { type JobTestStore, jobByKey, openJobTestStore } from './jobs/setup.ts';
import { ManualClock } from './support/manual-clock.ts';
import { storeKinds } from './support/stores.ts';

const read = (relative: string) => fs.readFileSync(new URL(`../${relative}`, import.meta.url), 'utf8');

describe('docs/jobs.md', () => {
  it('shows test/jobs/doc-example.ts verbatim (below its first line) under "Adding a job kind"', () => {
    const section = read('docs/jobs.md').split('## Adding a job kind')[1];
    const firstBlock = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    const example = read('test/jobs/doc-example.ts').split('\n').slice(1).join('\n');
    expect(firstBlock).toBe(example);
  });

  it('names every metric and limit the runtime has', () => {
    const doc = read('docs/jobs.md');
    const names = [
      ...read('src/jobs/job-metrics.ts').matchAll(/name: '(\w+)'/g),
      ...read('src/jobs/job-limits.ts').split('jobLimitsDefault')[1].split('});')[0].matchAll(/(\w+):/g),
    ].map((m) => m[1]);
    expect(names.length).toBe(16);
    expect(names.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});

describe.each(storeKinds)('the job kind example of docs/jobs.md [%s]', (kind) => {
  let t: JobTestStore;
  beforeEach(async () => {
    t = await openJobTestStore(kind);
  });
  afterEach(() => t.close());

  it('enqueues with the change, retries a refused delivery, then delivers once', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00.000Z'));
    await t.store.db.insertInto('businesses').values({ id: 'bus_doc', name: 'Old name', created_at: clock.now().toISOString() }).execute();
    await renameBusiness(t.store.db, clock, 'bus_doc', 'New name');

    const received: Array<{ id: string; body: string }> = [];
    let refuseNext = true;
    const deliver: Deliver = async (message) => {
      if (refuseNext) {
        refuseNext = false;
        return false;
      }
      received.push(message);
      return true;
    };
    const runtime = new JobRuntime({
      db: t.store.db,
      store: t.store.kind,
      clock,
      owner: newId('wrk'),
      handlers: { [businessRenamedKind]: businessRenamedHandler(deliver) },
      limits: { backoffBaseMs: 1_000 },
    });
    expect(await runtime.tick()).toMatchObject({ claimed: 1, retried: 1 });
    clock.advance(1_000);
    expect(await runtime.tick()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect((await runtime.tick()).claimed).toBe(0);
    await runtime.stop();
    expect(received).toEqual([{ id: 'bus_doc:New name', body: JSON.stringify({ businessId: 'bus_doc', name: 'New name' }) }]);
    expect(await jobByKey(t.store, businessRenamedKind, 'bus_doc:New name')).toMatchObject({ state: 'done', attempts: 2 });
    expect(await t.store.db.selectFrom('jobs').select('key').execute()).toHaveLength(1);
  });
});
