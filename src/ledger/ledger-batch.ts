// Applies one batch of ledger commands in one transaction: load → lock → clock → decide in order → one write set → commit.
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { BatchState, batchTime, loadRequestFor } from './batch-state.ts';
import type { CommandOutcome, LedgerCommand } from './commands.ts';
import { decide } from './deciders.ts';
import type { WriterStore } from './writer-store.ts';

export interface BatchContext {
  store: WriterStore;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
}

/**
 * Locks and reads what the batch touches, reads the clock (after the locks), decides each command in order against
 * the running state, then writes every row at once. Throws (rolling the whole batch back) only on a concurrent
 * write or a broken invariant; every expected failure is an outcome of its own command.
 */
export function applyBatch(context: BatchContext, commands: readonly LedgerCommand[]): Promise<CommandOutcome[]> {
  return context.store.transaction(async (tx) => {
    const loaded = await tx.load(loadRequestFor(commands));
    const state = new BatchState(loaded, batchTime(context.clock.now(), loaded), context.newId, context.currencies, commands);
    const outcomes = commands.map((command) => {
      const decision = decide(command, state);
      state.apply(decision.writes);
      return decision.outcome;
    });
    await tx.write(state.writeSet());
    return outcomes;
  });
}
