// The pure parts of delivery: the retry delays with their jitter, the per-endpoint token bucket, which secrets sign.
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/webhooks/delivery-handler.ts';
import { EndpointRateLimiter, rateLimitDeferMaxMs } from '../../src/webhooks/delivery-rate-limit.ts';
import { webhookAttemptsMax, webhookRetryDelaysMs } from '../../src/webhooks/delivery-schedule.ts';
import { signatureHeaders, signingSecrets } from '../../src/webhooks/signing.ts';

describe('retryDelayMs', () => {
  it("is Dodo's schedule within ±10%, and the last delay past its end", () => {
    expect(webhookAttemptsMax).toBe(8);
    expect(webhookRetryDelaysMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    webhookRetryDelaysMs.forEach((delayMs, index) => {
      expect(retryDelayMs(index + 1, () => 0)).toBe(delayMs * 0.9);
      expect(retryDelayMs(index + 1, () => 0.5)).toBe(delayMs);
      expect(retryDelayMs(index + 1, () => 0.999_999)).toBeLessThanOrEqual(delayMs * 1.1);
    });
    expect(retryDelayMs(20, () => 0.5)).toBe(36_000_000);
  });
});

describe('EndpointRateLimiter', () => {
  it('allows rate_limit deliveries at once, then defers each further one a token later, and refills with time', () => {
    let nowMs = 1_000_000;
    const limiter = new EndpointRateLimiter(() => nowMs);
    expect([1, 2, 3].map(() => limiter.take('whk_a', 3))).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(limiter.take('whk_a', 3)).toEqual({ allowed: false, retryInMs: 334 });
    expect(limiter.take('whk_a', 3)).toEqual({ allowed: false, retryInMs: 667 });
    // Another endpoint has its own bucket.
    expect(limiter.take('whk_b', 1)).toEqual({ allowed: true });
    nowMs += 334;
    expect(limiter.take('whk_a', 3)).toEqual({ allowed: true });
    nowMs += 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take('whk_a', 3).allowed)).toEqual([true, true, true, false]);
  });

  it('never defers longer than rateLimitDeferMaxMs', () => {
    const limiter = new EndpointRateLimiter(() => 0);
    limiter.take('whk_slow', 1);
    const waits = Array.from({ length: 100 }, () => limiter.take('whk_slow', 1));
    expect(waits.every((d) => !d.allowed && d.retryInMs <= rateLimitDeferMaxMs)).toBe(true);
    expect(waits.at(-1)).toEqual({ allowed: false, retryInMs: rateLimitDeferMaxMs });
  });
});

describe('signing', () => {
  const endpoint = { secret: 'whsec_new', previous_secret: 'whsec_old', previous_secret_expires_at: '2030-01-01T00:00:00.000Z' };
  it('signs with the previous secret only until it expires', () => {
    expect(signingSecrets(endpoint, new Date('2029-12-31T23:59:59.999Z'))).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(endpoint, new Date('2030-01-01T00:00:00.000Z'))).toEqual(['whsec_new']);
    expect(signingSecrets({ ...endpoint, previous_secret: null }, new Date('2029-01-01T00:00:00.000Z'))).toEqual(['whsec_new']);
  });

  it('puts whole unix seconds in webhook-timestamp and one v1 signature per secret', () => {
    const headers = signatureHeaders({ id: 'evt_1', body: '{}', now: new Date('2030-01-01T00:00:00.999Z'), secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_dGVzdA=='] });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toBe('1893456000');
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
  });
});
