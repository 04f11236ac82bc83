// Helpers for the delivery suites: a real node:http webhook receiver on 127.0.0.1 that records every request and
// answers as the test plans, and webhook endpoint rows written straight into the store.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBase62 } from '../../src/shared/ids.ts';
import type { TestApp } from '../support/test-app.ts';

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** performance.now() when the request had fully arrived. */
  atMs: number;
}

export type Answer =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answer (until release()). */
  | { hang: true };

export type AnswerPlan = (request: Received, index: number) => Answer;

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Answers every hanging request 200 and stops hanging. */
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(plan: AnswerPlan = () => ({ status: 200 })): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const waiters: Array<() => void> = [];
  let released = false;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const seen: Received = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
        atMs: performance.now(),
      };
      const answer = plan(seen, received.push(seen) - 1);
      for (const wake of waiters.splice(0)) wake();
      if ('hang' in answer && !released) {
        hanging.push(response);
        return;
      }
      const { status = 200, headers = {}, body = '' } = 'hang' in answer ? {} : answer;
      response.writeHead(status, headers);
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`the receiver got ${received.length} of ${count} requests in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
      return received;
    },
    release() {
      released = true;
      for (const response of hanging.splice(0)) if (!response.destroyed) response.writeHead(200).end();
    },
    close() {
      released = true;
      for (const response of hanging.splice(0)) response.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A secret in the shape Coffer generates: whsec_ and the base64 of 24 random bytes. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface EndpointFields {
  url: string;
  businessId?: string;
  secret?: string;
  headers?: Record<string, string>;
  filterTypes?: string[];
  disabled?: boolean;
  rateLimit?: number | null;
  previousSecret?: string | null;
  previousSecretExpiresAt?: string | null;
}

/** Writes an endpoint row directly (the endpoint API is another branch's); returns its id and secret. */
export async function addEndpoint(t: TestApp, fields: EndpointFields): Promise<{ id: string; secret: string }> {
  const id = `whk_${randomBase62(21)}`;
  const secret = fields.secret ?? newSecret();
  const now = t.coffer.clock.now().toISOString();
  await t.coffer.store.db
    .insertInto('webhook_endpoints')
    .values({
      id,
      business_id: fields.businessId ?? t.businessId,
      url: fields.url,
      description: '',
      metadata: '{}',
      disabled: fields.disabled ? 1 : 0,
      filter_types: JSON.stringify(fields.filterTypes ?? []),
      headers: JSON.stringify(fields.headers ?? {}),
      rate_limit: fields.rateLimit ?? null,
      secret,
      previous_secret: fields.previousSecret ?? null,
      previous_secret_expires_at: fields.previousSecretExpiresAt ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, secret };
}

/** Creates a customer through the API (one customer.created event) and dispatches it; returns the event id. */
export async function emitEvent(t: TestApp, key = t.apiKey): Promise<string> {
  const email = `hook-${randomBase62(10).toLowerCase()}@example.com`;
  const response = await t.request('POST', '/customers', { key, body: { email, name: 'Webhook test' } });
  if (response.statusCode !== 200) throw new Error(`customer create answered ${response.statusCode}: ${response.body}`);
  const customerId = response.json().customer_id as string;
  await t.coffer.dispatcher.drain();
  const event = await t.coffer.store.db.selectFrom('events').select('id').where('customer_id', '=', customerId).executeTakeFirstOrThrow();
  return event.id;
}

/** The delivery log of an endpoint, oldest first, read from the store. */
export function attemptsOf(t: TestApp, endpointId: string) {
  return t.coffer.store.db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId).orderBy('started_at').orderBy('attempt').orderBy('id').execute();
}

/** Ends every pending job and removes every endpoint, so that one test's deliveries never run in the next. */
export async function resetDeliveries(t: TestApp): Promise<void> {
  const db = t.coffer.store.db;
  await db.updateTable('jobs').set({ state: 'done' }).where('state', '=', 'pending').execute();
  await db.deleteFrom('webhook_endpoints').execute();
}
