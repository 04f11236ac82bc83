// Applies one batch of ledger commands in one transaction: clock → load and lock → expire due lots → decide in order →
// one write set → commit.
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { BatchState, type LotSettings, type WalletState, batchTime, loadRequestFor } from './batch-state.ts';
import type { CommandOutcome, LedgerCommand } from './commands.ts';
import { decide, decideLotExpiry } from './deciders.ts';
import type { WriterStore } from './writer-store.ts';

export interface BatchContext {
  store: WriterStore;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
  lotSettings: LotSettings;
}

/** Most expiration entries one wallet gets in one batch: a bound on the loop (the lots were loaded, so it is finite). */
const expirationsPerWalletMax = 1_000_000;

/**
 * Reads the clock once (before the locks: the store picks the due lots by it), locks and reads what the batch touches,
 * and decides each command in order against the running state; before a wallet's first command it records the
 * expiration of every lot due by the batch's time, so no command ever sees expired money. Then writes every row at
 * once. Throws (rolling the whole batch back) only on a concurrent write or a broken invariant; every expected failure
 * is an outcome of its own command.
 */
export function applyBatch(context: BatchContext, commands: readonly LedgerCommand[]): Promise<CommandOutcome[]> {
  const clockNow = context.clock.now().toISOString();
  return context.store.transaction(async (tx) => {
    const loaded = await tx.load(loadRequestFor(commands, clockNow));
    const state = new BatchState(loaded, batchTime(clockNow, loaded.wallets), context.newId, context.currencies, commands, context.lotSettings);
    const outcomes = commands.map((command) => decideInBatch(state, command));
    await tx.write(state.writeSet());
    return outcomes;
  });
}

/** Decides one command and applies its writes, first expiring its wallet's due lots if this is its first command. */
export function decideInBatch(state: BatchState, command: LedgerCommand): CommandOutcome {
  const customer = state.customer(command.customerId);
  const wallet = state.wallet(command.customerId, command.currency);
  if (wallet && !wallet.prepared && customer?.loaded.business_id === command.businessId) {
    wallet.prepared = true;
    expireDueLots(state, wallet);
  }
  const decision = decide(command, state);
  state.apply(decision.writes);
  // A capture or release gives reservations back to their lots: one whose lot expired meanwhile expires at once.
  if (wallet && wallet.prepared && (command.kind === 'capture' || command.kind === 'release' || command.kind === 'expire_hold')) expireDueLots(state, wallet);
  return decision.outcome;
}

function expireDueLots(state: BatchState, wallet: WalletState): void {
  for (let count = 0, lot = state.nextDueLot(wallet); lot; lot = state.nextDueLot(wallet)) {
    if (++count > expirationsPerWalletMax) throw new Error('expiration loop did not end');
    state.apply(decideLotExpiry(lot, state).writes);
  }
}
