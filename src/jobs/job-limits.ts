// The limits of the job runtime and of an enqueued job, with their defaults (the lead maps them to config settings).

export interface JobLimits {
  /** Wait between two claim rounds when the last one did not fill a batch. */
  pollIntervalMs: number;
  /** How long a claim holds a job; a job whose lease ended (its process died) can be claimed again. */
  leaseMs: number;
  /** Handler slots: most jobs running at once in one process (a claim takes at most the free ones). */
  claimBatchMax: number;
  /** Delay before the second attempt; it doubles with each failed attempt... */
  backoffBaseMs: number;
  /** ...up to this cap. */
  backoffMaxMs: number;
  /** Attempts of a job enqueued without its own attemptsMax. */
  attemptsMaxDefault: number;
  /** A handler still running after this long is aborted (its signal fires) and its attempt counts as failed. */
  handlerTimeoutMs: number;
  /**
   * While the process or the machine is saturated (src/jobs/load-gauge.ts), claim rounds start at most this often, so
   * background work (webhook deliveries) takes a sliver of the capacity and catches up when the load falls.
   */
  busyClaimGapMs: number;
}

export const jobLimitsDefault: Readonly<JobLimits> = Object.freeze({
  pollIntervalMs: 1_000,
  leaseMs: 60_000,
  claimBatchMax: 16,
  backoffBaseMs: 1_000,
  backoffMaxMs: 3_600_000,
  attemptsMaxDefault: 10,
  handlerTimeoutMs: 30_000,
  busyClaimGapMs: 100,
});

/** Bounds of what can be enqueued. */
export const jobKindLengthMax = 100;
export const jobKeyLengthMax = 500;
export const jobPayloadBytesMax = 65_536;
export const jobAttemptsMaxLimit = 1_000;
/** A failure's message is cut to this length before it is stored in last_error. */
export const jobLastErrorLengthMax = 2_000;

/** Throws on limits that cannot work; they come from code or from config that was already validated. */
export function assertJobLimits(limits: JobLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`job limit ${name} must be a positive integer, got ${value}`);
  }
  if (limits.attemptsMaxDefault > jobAttemptsMaxLimit) throw new Error(`job limit attemptsMaxDefault must be at most ${jobAttemptsMaxLimit}`);
  if (limits.backoffMaxMs < limits.backoffBaseMs) throw new Error('job limit backoffMaxMs must be at least backoffBaseMs');
  // A live process times its handler out before the lease ends, so a lease only ends early for a dead process.
  if (limits.handlerTimeoutMs >= limits.leaseMs) throw new Error('job limit handlerTimeoutMs must be less than leaseMs');
}

/** Capped exponential backoff: the wait after the given failed attempt (1-based) before the next one. */
export function backoffDelayMs(attempt: number, limits: Pick<JobLimits, 'backoffBaseMs' | 'backoffMaxMs'>): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  return Math.min(limits.backoffMaxMs, limits.backoffBaseMs * 2 ** exponent);
}
