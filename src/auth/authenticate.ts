// Resolves `Authorization: Bearer <key>` to a business and access level, with a short in-memory cache.
import type { Kysely } from 'kysely';
import { findApiKeyByHash, hashApiKey, type KeyAccess } from '../businesses/business-service.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { AuthErrorCode } from './auth-errors.ts';

export interface Principal {
  businessId: string;
  keyId: string;
  access: KeyAccess;
}

const cacheEntriesMax = 10_000;
// The scheme is case-insensitive (RFC 9110 §11.1).
const bearerPattern = /^Bearer ([\x21-\x7e]{1,200})$/i;

/**
 * Keys are looked up by hash; hits and misses are cached for `cacheMs` so the hot path costs no query.
 * A revocation reaches every process within `cacheMs` (documented in docs/operations.md).
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal | null; expiresAt: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly cacheMs: number,
  ) {}

  async authenticate(header: string | undefined): Promise<Result<Principal, AuthErrorCode>> {
    if (header === undefined || header === '') {
      return err('UNAUTHORIZED', 'Missing API key: send the header "Authorization: Bearer <api key>"');
    }
    const match = bearerPattern.exec(header);
    if (!match) return err('UNAUTHORIZED', 'Malformed Authorization header: expected "Bearer <api key>"');
    const principal = await this.lookup(match[1]);
    if (!principal) return err('UNAUTHORIZED', 'Invalid or revoked API key');
    return ok(principal);
  }

  private async lookup(secret: string): Promise<Principal | null> {
    const keyHash = hashApiKey(secret);
    const now = this.clock.now().getTime();
    const cached = this.cache.get(keyHash);
    if (cached && cached.expiresAt > now) return cached.principal;
    const row = await findApiKeyByHash(this.db, keyHash);
    const principal = row && row.revoked_at === null ? { businessId: row.business_id, keyId: row.id, access: row.access } : null;
    if (this.cacheMs > 0) {
      if (this.cache.size >= cacheEntriesMax) this.cache.clear();
      this.cache.set(keyHash, { principal, expiresAt: now + this.cacheMs });
    }
    return principal;
  }
}
