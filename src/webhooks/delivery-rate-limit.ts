// Per-endpoint delivery rate limits (rate_limit deliveries per second, in this process): a token bucket per endpoint.
// A delivery that finds no token is deferred to the time a token will be free, so it holds no job slot while it waits.

/** A deferred delivery comes back at most this long after: past it, it is claimed again and re-checked. */
export const rateLimitDeferMaxMs = 60_000;
/** Most buckets kept; past it, the longest-idle ones are dropped (an idle bucket is full, the same as none). */
export const rateLimitBucketsMax = 10_000;

interface Bucket {
  tokens: number;
  updatedAtMs: number;
  /** The latest time handed to a deferred delivery: the next one is deferred past it, so returns are spread at the rate. */
  reservedUntilMs: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryInMs: number };

export class EndpointRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `nowMs` is the job runtime's clock, so deferrals and due times agree. */
  constructor(private readonly nowMs: () => number) {}

  /**
   * Takes a token from the endpoint's bucket (it holds `perSecond` tokens and refills at `perSecond` per second), or
   * says when to come back. The limit is read from the endpoint row at each delivery, so a change applies at once.
   */
  take(endpointId: string, perSecond: number): RateLimitDecision {
    if (!(perSecond > 0)) throw new Error(`a rate limit must be positive, got ${perSecond}`);
    const nowMs = this.nowMs();
    let bucket = this.buckets.get(endpointId);
    if (bucket === undefined) {
      if (this.buckets.size >= rateLimitBucketsMax) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: perSecond, updatedAtMs: nowMs, reservedUntilMs: nowMs };
    } else {
      this.buckets.delete(endpointId);
      // A clock that steps back refills nothing rather than draining the bucket.
      bucket.tokens = Math.min(perSecond, bucket.tokens + (Math.max(0, nowMs - bucket.updatedAtMs) * perSecond) / 1000);
      bucket.updatedAtMs = nowMs;
    }
    // Re-inserted on every use: the map's first key is always the longest idle.
    this.buckets.set(endpointId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const intervalMs = 1000 / perSecond;
    const tokenFreeAtMs = nowMs + (1 - bucket.tokens) * intervalMs;
    const comeBackAtMs = Math.min(nowMs + rateLimitDeferMaxMs, Math.max(tokenFreeAtMs, bucket.reservedUntilMs + intervalMs));
    bucket.reservedUntilMs = comeBackAtMs;
    return { allowed: false, retryInMs: Math.max(1, Math.ceil(comeBackAtMs - nowMs)) };
  }
}
