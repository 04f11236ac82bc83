// Group commit: requests that arrive while a commit is in flight share the next transaction, each with its own outcome.

export interface GroupCommitOptions<C = unknown> {
  /** Most commands one transaction carries. */
  batchSizeMax: number;
  /** How long the first command of an idle batch waits for company; 0 commits on the next turn of the event loop. */
  batchWaitMs: number;
  /**
   * Batches in flight at once, each in its own transaction (default 1). Above 1 only on a store whose transactions
   * run concurrently and lock what they touch (PostgreSQL): while one batch waits for its commit to be durable, the
   * next one runs its statements.
   */
  concurrencyMax?: number;
  /**
   * What a command locks (the customer, for the ledger). A batch started while others are in flight leaves out the
   * commands whose key an in-flight batch holds: they would only wait for its lock, so they queue and join the next
   * batch after it instead, which keeps a hot key's batches large.
   */
  conflictKey?: (command: C) => string;
  /** Most commands waiting for a batch (default unbounded); beyond it `submit` refuses at once (backpressure). */
  queueMax?: number;
}

export interface BatchStats {
  batches: number;
  commands: number;
  retries: number;
  splits: number;
  /** Commands refused because the queue was full. */
  refused: number;
}

/** The queue held `queueMax` commands: this one was not queued, and nothing of it was written. */
export class QueueFullError extends Error {
  constructor(readonly queueMax: number) {
    super(`the write queue is full (${queueMax} commands waiting)`);
    this.name = 'QueueFullError';
  }
}

interface Pending<C, O> {
  command: C;
  resolve: (outcome: O) => void;
  reject: (error: unknown) => void;
}

/** Attempts of one batch before it is split into single-command transactions. */
const batchAttemptsMax = 3;

/**
 * Queues commands and runs them through `commitBatch`, one transaction per batch and at most `concurrencyMax`
 * transactions at a time. `commitBatch` must return one
 * outcome per command (expected failures are outcomes) and throw only when the whole transaction failed; then
 * the batch is retried, and if it keeps failing each command is committed alone so that a poison command fails
 * by itself. A promise resolves only after the transaction holding its command committed.
 */
export class GroupCommitter<C, O> {
  private queue: Pending<C, O>[] = [];
  private inFlight = 0;
  /** Commands of the in-flight batches, by conflict key. */
  private readonly busyKeys = new Map<string, number>();
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  readonly stats: BatchStats = { batches: 0, commands: 0, retries: 0, splits: 0, refused: 0 };

  constructor(
    private readonly commitBatch: (commands: C[]) => Promise<O[]>,
    private readonly options: GroupCommitOptions<C>,
    private readonly isRetryable: (error: unknown) => boolean,
    private readonly onBatch?: (size: number, durationMs: number) => void,
  ) {}

  /** Queues a command; rejects at once with QueueFullError when `queueMax` commands already wait. */
  submit(command: C): Promise<O> {
    const queueMax = this.options.queueMax ?? Number.POSITIVE_INFINITY;
    if (this.queue.length >= queueMax) {
      this.stats.refused += 1;
      return Promise.reject(new QueueFullError(queueMax));
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every queued command has been committed (used by graceful shutdown). */
  drain(): Promise<void> {
    if (this.inFlight === 0 && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get queued(): number {
    return this.queue.length;
  }

  private get concurrencyMax(): number {
    return Math.max(1, this.options.concurrencyMax ?? 1);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.concurrencyMax) return;
    this.scheduled = true;
    const start = () => {
      this.scheduled = false;
      this.startBatches();
      this.notifyIfIdle();
    };
    if (this.options.batchWaitMs > 0 && this.inFlight === 0) setTimeout(start, this.options.batchWaitMs);
    else setImmediate(start);
  }

  /** Takes up to batchSizeMax queued commands per free slot; a finished batch hands its slot to what queued meanwhile. */
  private startBatches(): void {
    while (this.queue.length > 0 && this.inFlight < this.concurrencyMax) {
      const batch = this.takeBatch();
      if (batch.length === 0) return; // everything queued waits for an in-flight batch's keys
      this.inFlight += 1;
      const keys = this.holdKeys(batch);
      this.commitWithRetry(batch)
        .catch((error: unknown) => {
          for (const pending of batch) pending.reject(error);
        })
        .finally(() => {
          this.inFlight -= 1;
          this.releaseKeys(keys);
          if (this.queue.length > 0) this.startBatches();
          this.notifyIfIdle();
        });
    }
  }

  private notifyIfIdle(): void {
    if (this.inFlight === 0 && !this.scheduled && this.queue.length === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** Up to batchSizeMax queued commands, in queue order, skipping those whose key an in-flight batch holds. */
  private takeBatch(): Pending<C, O>[] {
    const conflictKey = this.options.conflictKey;
    if (!conflictKey || this.busyKeys.size === 0) return this.queue.splice(0, this.options.batchSizeMax);
    const batch: Pending<C, O>[] = [];
    const waiting: Pending<C, O>[] = [];
    for (const pending of this.queue) {
      if (batch.length < this.options.batchSizeMax && !this.busyKeys.has(conflictKey(pending.command))) batch.push(pending);
      else waiting.push(pending);
    }
    this.queue = waiting;
    return batch;
  }

  private holdKeys(batch: Pending<C, O>[]): string[] {
    const conflictKey = this.options.conflictKey;
    if (!conflictKey) return [];
    const keys = batch.map((pending) => conflictKey(pending.command));
    for (const key of keys) this.busyKeys.set(key, (this.busyKeys.get(key) ?? 0) + 1);
    return keys;
  }

  private releaseKeys(keys: string[]): void {
    for (const key of keys) {
      const count = this.busyKeys.get(key)! - 1;
      if (count === 0) this.busyKeys.delete(key);
      else this.busyKeys.set(key, count);
    }
  }

  private async commitWithRetry(batch: Pending<C, O>[]): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= batchAttemptsMax; attempt++) {
      const startedAt = performance.now();
      let outcomes: O[];
      try {
        outcomes = await this.commitBatch(batch.map((p) => p.command));
      } catch (error) {
        lastError = error;
        if (!this.isRetryable(error)) break;
        this.stats.retries += 1;
        continue;
      }
      // Committed: from here nothing may send the batch round again.
      this.stats.batches += 1;
      this.stats.commands += batch.length;
      batch.forEach((pending, index) => pending.resolve(outcomes[index]));
      this.onBatch?.(batch.length, performance.now() - startedAt);
      return;
    }
    if (batch.length === 1) {
      batch[0].reject(lastError);
      return;
    }
    this.stats.splits += 1;
    for (const pending of batch) await this.commitWithRetry([pending]);
  }
}
