// The shape of one hostile-input case, and how it is sent: every case names the status, code and words it expects.
import type { LightMyRequestResponse } from 'fastify';
import type { ErrorCode } from '../../src/http/errors.ts';
import type { TestApp } from '../support/test-app.ts';

/** Ids and keys a case can refer to; filled in once the suite has made its customers. */
export interface HostileTarget {
  customerId: string;
  apiKey: string;
  readOnlyKey: string;
  otherApiKey: string;
}

export interface HostileCase {
  name: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Default: the ledger entries of the suite's customer. */
  url?: string | ((target: HostileTarget) => string);
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body`. */
  payload?: string | Buffer;
  /** Default application/json when there is a body or payload; null sends no Content-Type. */
  contentType?: string | null;
  /** Which credentials: the read-write key (default), the read-only key, the other business's key, none, or a raw header. */
  auth?: 'write' | 'read' | 'other' | 'none' | { header: string };
  status: number;
  code: ErrorCode;
  /** The message must contain this (the field or the problem it names). */
  mentions: string | RegExp;
}

export const ledgerEntriesUrl = (target: HostileTarget) => `/customers/${target.customerId}/wallets/ledger-entries`;

/** A valid ledger-entry body with some fields replaced (or removed, with undefined). */
export function entryBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'hostile-1', reason: 'hostile' };
  for (const [field, value] of Object.entries(overrides)) {
    if (value === undefined) delete body[field];
    else body[field] = value;
  }
  return body;
}

export function sendCase(t: TestApp, target: HostileTarget, hostile: HostileCase): Promise<LightMyRequestResponse> {
  const url = typeof hostile.url === 'function' ? hostile.url(target) : (hostile.url ?? ledgerEntriesUrl(target));
  const method = hostile.method ?? (hostile.body === undefined && hostile.payload === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  const auth = hostile.auth ?? 'write';
  if (typeof auth === 'object') headers.authorization = auth.header;
  else if (auth !== 'none') headers.authorization = `Bearer ${{ write: target.apiKey, read: target.readOnlyKey, other: target.otherApiKey }[auth]}`;
  const payload = hostile.payload ?? (hostile.body === undefined ? undefined : JSON.stringify(hostile.body));
  const contentType = hostile.contentType === undefined ? (payload === undefined ? null : 'application/json') : hostile.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  return t.coffer.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
}

/** Signs of internals leaking into a response: stack frames, source paths, driver or SQL error text, Fastify codes. */
export const leakPattern = /\n\s+at |\.ts:\d+|node_modules|SQLITE_|sqlite3|syntax error at or near|relation "|violates|kysely|FST_ERR|Error:/i;
