// Dashboard sign-in sessions: a random id in an HttpOnly cookie, held in this process's memory with its CSRF token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';
import { randomBase62 } from '../shared/ids.ts';

export interface Session {
  /** The cookie's value; only its hash is a key of the map, so a memory dump does not hand out live cookies. */
  id: string;
  /**
   * The API key it signed in with, kept only in memory: every request authenticates with it again, so a revoked key
   * ends its sessions within the key cache time (COFFER_API_KEY_CACHE_MS).
   */
  apiKey: string;
  /** Sent back with every form and htmx request. */
  csrfToken: string;
  expiresAtMs: number;
}

export interface SessionLimits {
  /** How long a session lasts after sign-in (COFFER_DASHBOARD_SESSION_MS). */
  lifetimeMs: number;
  /** Most sessions held at once; the oldest is dropped beyond it. */
  sessionsMax: number;
}

export const sessionCookieName = 'coffer_dashboard_session';
/** The sign-in form's own CSRF token, before there is a session (a double-submit cookie). */
export const signInCookieName = 'coffer_dashboard_sign_in';

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: SessionLimits,
  ) {}

  create(apiKey: string): Session {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const session: Session = { id: randomBase62(43), apiKey, csrfToken: randomBase62(43), expiresAtMs: now + this.limits.lifetimeMs };
    if (this.sessions.size >= this.limits.sessionsMax) {
      // Maps iterate in insertion order: the first key is the oldest session.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(hashOf(session.id), session);
    return session;
  }

  /** The live session of a cookie value, or undefined (unknown, signed out or expired). */
  find(id: string | undefined): Session | undefined {
    if (id === undefined || id.length > 100) return undefined;
    const key = hashOf(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAtMs <= this.clock.now().getTime()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(hashOf(id));
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(now: number): void {
    for (const [key, session] of this.sessions) if (session.expiresAtMs <= now) this.sessions.delete(key);
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
