// Per-API-key rate limiting: a token bucket per key in this process's memory, charged after authentication.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';
import './route-config.ts';

export interface RateLimitOptions {
  /** Tokens added to each key's bucket per second: the sustained request rate. */
  perSecond: number;
  /** Bucket size: the most requests a key can make at once after being idle. */
  burst: number;
  /** Milliseconds on any monotonic-enough scale; injected so tests control time. */
  nowMs: () => number;
  /** Most buckets kept; past it, full buckets are dropped (a full bucket is the same as no bucket). */
  bucketsMax?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The bucket size, sent as X-RateLimit-Limit. */
  limit: number;
  /** Whole requests left right now, sent as X-RateLimit-Remaining. */
  remaining: number;
  /** Whole seconds until the bucket is full again, sent as X-RateLimit-Reset. */
  resetSeconds: number;
  /** Whole seconds (at least 1) until one request is allowed; 0 when allowed. Sent as Retry-After. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

const defaultBucketsMax = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly bucketsMax: number;

  constructor(readonly options: RateLimitOptions) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) {
      throw new Error(`rate limit needs perSecond > 0 and burst >= 1, got ${options.perSecond} and ${options.burst}`);
    }
    this.bucketsMax = options.bucketsMax ?? defaultBucketsMax;
  }

  /** Refills the key's bucket for the time passed, then takes one token if there is one. */
  take(key: string): RateDecision {
    const { perSecond, burst } = this.options;
    const nowMs = this.options.nowMs();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.bucketsMax) this.evictFull(nowMs);
      bucket = { tokens: burst, updatedAtMs: nowMs };
      this.buckets.set(key, bucket);
    } else {
      // A clock that steps back refills nothing rather than draining the bucket.
      const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs);
      bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * perSecond) / 1000);
      bucket.updatedAtMs = nowMs;
    }
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      allowed,
      limit: burst,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((burst - bucket.tokens) / perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
    };
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled completely; if every bucket is still in use, starts over (bounded memory wins). */
  private evictFull(nowMs: number): void {
    const { perSecond, burst } = this.options;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.updatedAtMs) * perSecond) / 1000 >= burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.bucketsMax) this.buckets.clear();
  }
}

/**
 * Charges every authenticated request to its API key. Registered after the auth hook, so `request.principal`
 * is set; public routes and requests that fail authentication are not charged to any key.
 */
export function registerRateLimit(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const principal = request.principal;
    if (!principal) return;
    const decision = limiter.take(principal.keyId);
    reply.header('x-ratelimit-limit', String(decision.limit));
    reply.header('x-ratelimit-remaining', String(decision.remaining));
    reply.header('x-ratelimit-reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      throw new HttpError(
        'TOO_MANY_REQUESTS',
        `Rate limit exceeded for this API key: ${limiter.options.perSecond} requests per second, bursts of up to ${decision.limit}; retry after ${decision.retryAfterSeconds} s`,
        { 'retry-after': String(decision.retryAfterSeconds) },
      );
    }
  });
}
