// Businesses (tenants) and their API keys: creation, listing, revocation, and the bootstrap business.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { idPrefixes, newId, randomBase62 } from '../shared/ids.ts';
import * as repo from './business-repo.ts';

export type KeyAccess = 'read_write' | 'read_only';

export class BootstrapKeyRevokedError extends Error {}

export interface CreatedKey {
  id: string;
  businessId: string;
  access: KeyAccess;
  /** The secret itself: shown once, stored only as a hash. */
  secret: string;
}

/** API keys carry 32 random base62 characters (~190 bits), so a fast hash is enough to store them. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateApiKeySecret(access: KeyAccess): string {
  return `${access === 'read_only' ? 'ck_ro' : 'ck_rw'}_${randomBase62(32)}`;
}

export async function createBusiness(db: Kysely<Database>, clock: Clock, name: string): Promise<{ id: string; name: string }> {
  const id = newId(idPrefixes.business);
  // time_zone takes the column's default (UTC): a business made on an older schema (a migration test) has none yet.
  await repo.insertBusiness(db, { id, name, created_at: clock.now().toISOString() });
  return { id, name };
}

export async function createApiKey(
  db: Kysely<Database>,
  clock: Clock,
  input: { businessId: string; access: KeyAccess; name?: string; secret?: string },
): Promise<CreatedKey> {
  const secret = input.secret ?? generateApiKeySecret(input.access);
  const id = newId(idPrefixes.apiKey);
  await repo.insertApiKey(db, {
    id,
    business_id: input.businessId,
    name: input.name ?? `${input.access} key`,
    key_hash: hashApiKey(secret),
    key_prefix: secret.slice(0, 9),
    access: input.access,
    created_at: clock.now().toISOString(),
    revoked_at: null,
  });
  return { id, businessId: input.businessId, access: input.access, secret };
}

/**
 * Ensures a business holds `secret` as a read-write key, creating a "Default business" if the key is unknown.
 * Used by `COFFER_BOOTSTRAP_API_KEY` for deployments and scripted tests. Returns the business id.
 */
export async function ensureBootstrapKey(db: Kysely<Database>, clock: Clock, secret: string): Promise<string> {
  const existing = await repo.findApiKeyByHash(db, hashApiKey(secret));
  if (existing?.revoked_at) {
    // A revoked key stays revoked: serving with it would print a key that every request refuses.
    throw new BootstrapKeyRevokedError(`COFFER_BOOTSTRAP_API_KEY was revoked at ${existing.revoked_at}; set a new key`);
  }
  if (existing) return existing.business_id;
  const business = await createBusiness(db, clock, 'Default business');
  try {
    await createApiKey(db, clock, { businessId: business.id, access: 'read_write', name: 'bootstrap key', secret });
  } catch (error) {
    // Another process bootstrapping the same key at the same moment won the unique index: use its business.
    const winner = await repo.findApiKeyByHash(db, hashApiKey(secret));
    if (!winner) throw error;
    return winner.business_id;
  }
  return business.id;
}

export const findBusiness = repo.findBusiness;
export const listBusinesses = repo.listBusinesses;
export const listApiKeys = repo.listApiKeys;
export const findApiKeyByHash = repo.findApiKeyByHash;

export async function revokeApiKey(db: Kysely<Database>, clock: Clock, keyId: string): Promise<boolean> {
  return (await repo.revokeApiKey(db, keyId, clock.now().toISOString())) === 1;
}
