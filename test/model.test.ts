// Model-based property tests: random command sequences, concurrent groups included, checked against an in-memory model.
//
// Regressions: when the property fails, the shrunk command list, seed and path are written to
// test/regressions/model-<store>-<seed>.json; commit that file (with a description of the fix) and the
// "replays regression" tests below re-run its exact commands on both stores on every run.
// Knobs: COFFER_MODEL_RUNS (sequences per store in the default mode, default 400; replay mode runs a quarter of that),
// COFFER_MODEL_SEED (replay a whole run).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Command, sequenceArbitrary } from './model/commands.ts';
import { loadRegressions, saveRegression } from './model/regressions.ts';
import { type ModelContext, runSequence, startModelContext, stopModelContext } from './model/runner.ts';
import { storeKinds } from './support/stores.ts';

const runsPerStore = Number(process.env.COFFER_MODEL_RUNS ?? 400);
const seed = process.env.COFFER_MODEL_SEED === undefined ? undefined : Number(process.env.COFFER_MODEL_SEED);
const sequenceLengthMax = 16;
const modes = [
  { name: 'a repeated key is answered 409', replay: false, runs: runsPerStore },
  { name: 'a repeated key replays the original 200', replay: true, runs: Math.ceil(runsPerStore / 4) },
];

describe.each(storeKinds)('ledger model [%s]', (kind) => {
  describe.each(modes.map((mode) => [mode.name, mode] as const))('%s', (_name, mode) => {
    let context: ModelContext;
    beforeAll(async () => {
      context = await startModelContext(kind, { replay: mode.replay });
    });
    afterAll(async () => stopModelContext(context));
    const property = () => fc.asyncProperty(sequenceArbitrary(sequenceLengthMax), (commands: Command[]) => runSequence(context, commands));

    it(`${mode.runs} random command sequences agree with the model, the database and the API`, async () => {
      const startedAt = performance.now();
      const details = await fc.check(property(), { numRuns: mode.runs, ...(seed === undefined ? {} : { seed }) });
      if (details.failed) {
        const file = saveRegression(kind, mode.replay, details);
        throw new Error(`${fc.defaultReportMessage(details)}\nSaved as ${file}: commit it to keep it as a regression test.`);
      }
      expect(details.numRuns).toBe(mode.runs);
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
      const groupBatchSizeMean = (context.groupWrites / Math.max(1, context.groupBatches)).toFixed(2);
      console.info(
        `[${kind}${mode.replay ? ', replay' : ''}] ${details.numRuns} sequences (${context.concurrentGroups} concurrent groups), ${context.requests} requests in ${seconds} s (seed ${details.seed}), ${context.groupWrites} writes in groups shared ${context.groupBatches} batches (mean ${groupBatchSizeMean}); ledger writes by outcome: ${JSON.stringify(context.outcomes)}`,
      );
    }, 300_000);

    const regressions = loadRegressions().filter(([, regression]) => (regression.replay ?? false) === mode.replay);
    it.each(regressions)('replays regression %s', async (_name, regression) => {
      await runSequence(context, regression.commands);
      if (regression.seed !== undefined) {
        await fc.assert(property(), { seed: regression.seed, ...(regression.path ? { path: regression.path } : {}), numRuns: 1, endOnFailure: true });
      }
    });
  });
});
