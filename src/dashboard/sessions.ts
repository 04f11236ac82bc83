// Dashboard sign-in sessions, kept in the database (dashboard_sessions) so that every Coffer process on one store
// knows them: the browser holds a random token in an HttpOnly cookie; the row holds only its SHA-256 and the API key's id.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/authenticate.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { randomBase62 } from '../shared/ids.ts';
import { deleteExpiredSessions, deleteSession, insertSession, liveSession, trimSessionsOfKey } from './session-repo.ts';

/** A live session as a request sees it: who signed in, and the token its forms carry. */
export interface Session {
  /** The cookie's value (only its hash is stored). */
  token: string;
  principal: Principal;
  businessName: string;
  /** Sent back with every form and htmx request: derived from the token, so it is stored nowhere. */
  csrfToken: string;
  expiresAt: string;
}

export interface SessionLimits {
  /** How long a session lasts after sign-in (COFFER_DASHBOARD_SESSION_MS). */
  lifetimeMs: number;
  /** Most live sessions one API key holds; its oldest ends beyond it. */
  sessionsPerKeyMax: number;
}

export const sessionCookieName = 'coffer_dashboard_session';
/** The sign-in form's own CSRF token, before there is a session (a double-submit cookie). */
export const signInCookieName = 'coffer_dashboard_sign_in';
export const sessionTokenLength = 43;
const tokenPattern = /^[0-9A-Za-z]{43}$/;

/** What the table stores instead of the token: a leaked table (or backup) hands out no live cookie. */
export const sessionTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
/** The session's CSRF token: a one-way function of the token, so a page's token does not give the cookie away. */
export const csrfTokenOf = (token: string) => createHash('sha256').update(`coffer-dashboard-csrf:${token}`).digest('base64url');

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly limits: SessionLimits,
  ) {}

  /** A new session for a principal that has just authenticated with its key. */
  async create(principal: Principal): Promise<{ token: string; expiresAt: string }> {
    const nowMs = this.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    await deleteExpiredSessions(this.db, now);
    const token = randomBase62(sessionTokenLength);
    const expiresAt = new Date(nowMs + this.limits.lifetimeMs).toISOString();
    await insertSession(this.db, { token_hash: sessionTokenHash(token), business_id: principal.businessId, api_key_id: principal.keyId, created_at: now, expires_at: expiresAt });
    await trimSessionsOfKey(this.db, principal.keyId, this.limits.sessionsPerKeyMax, 100);
    return { token, expiresAt };
  }

  /** The live session of a cookie value, or undefined (unknown, signed out, expired, or its key revoked). */
  async find(token: string | undefined): Promise<Session | undefined> {
    if (token === undefined || !tokenPattern.test(token)) return undefined;
    const row = await liveSession(this.db, sessionTokenHash(token), this.clock.now().toISOString());
    if (!row) return undefined;
    return {
      token,
      principal: { businessId: row.business_id, keyId: row.api_key_id, access: row.access },
      businessName: row.business_name,
      csrfToken: csrfTokenOf(token),
      expiresAt: row.expires_at,
    };
  }

  async delete(token: string): Promise<void> {
    if (tokenPattern.test(token)) await deleteSession(this.db, sessionTokenHash(token));
  }
}

/** The cookies of a request's Cookie header (the first of each name wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';').slice(0, 50)) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (name && !(name in cookies)) cookies[name] = value;
  }
  return cookies;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/dashboard, and Secure when the request came over https. */
export function cookieHeader(name: string, value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [`${name}=${value}`, 'Path=/dashboard', 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAgeSeconds}`, ...(options.secure ? ['Secure'] : [])].join('; ');
}
