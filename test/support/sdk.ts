// Helpers for SDK tests: an official `dodopayments` client pointed at Coffer, and a loopback proxy that records and misbehaves.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import DodoPayments from 'dodopayments';
import type { CustomerWalletTransaction } from 'dodopayments/resources/customers/wallets/ledger-entries';
import { afterAll, beforeAll } from 'vitest';
import type { StoreKind } from '../../src/config/config.ts';
import { type TestApp, startTestApp } from './test-app.ts';

/** The official SDK pointed at Coffer by `baseURL` only; quiet, with small retry and timeout settings unless given. */
export function sdkClient(
  baseURL: string,
  bearerToken: string,
  options: { maxRetries?: number; timeout?: number } = {},
): DodoPayments {
  return new DodoPayments({ bearerToken, baseURL, logLevel: 'off', ...options });
}

/** One request as the proxy saw it, and what Coffer answered if it was forwarded. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The SDK's own count of earlier attempts (`x-stainless-retry-count`), or null if absent. */
  retryCount: number | null;
  upstreamStatus: number | null;
}

export type ProxyAction =
  /** Forward and relay Coffer's answer, optionally held back first (to trip a client timeout) or with headers removed. */
  | { kind: 'forward'; holdResponseMs?: number; dropHeaders?: string[] }
  /** Forward, wait for Coffer's full answer (so it has committed), then destroy the client's socket. */
  | { kind: 'forward-then-drop' }
  /** Forward, wait for Coffer's full answer, then send this answer instead. */
  | { kind: 'forward-then-replace'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Answer without forwarding. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: unknown };

/** Decides per request; `index` counts every request the proxy received, from 0. */
export type ProxyPlan = (request: SeenRequest, index: number) => ProxyAction;

export interface LoopbackProxy {
  baseUrl: string;
  requests: SeenRequest[];
  /** Requests matching a method and a path prefix (query string ignored). */
  matching(method: string, pathPrefix: string): SeenRequest[];
  close(): Promise<void>;
}

export const forwardAll: ProxyPlan = () => ({ kind: 'forward' });

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function readBody(stream: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function forward(target: URL, seen: SeenRequest): Promise<Upstream> {
  const headers = Object.fromEntries(Object.entries(seen.headers).filter(([name]) => !hopByHop.has(name)));
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: target.hostname, port: target.port, method: seen.method, path: seen.path, headers, agent: false },
      (response) => {
        readBody(response).then((body) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }), reject);
      },
    );
    request.on('error', reject);
    request.end(seen.body === '' ? undefined : seen.body);
  });
}

function send(response: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: string): void {
  if (response.destroyed || response.socket?.destroyed) return;
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
  response.writeHead(status, { ...kept, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const sendJson = (response: http.ServerResponse, status: number, headers: Record<string, string> = {}, body: unknown = {}) =>
  send(response, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(body));

/** Starts a proxy on an ephemeral loopback port in front of `targetBaseUrl`; every request is recorded. */
export async function startProxy(targetBaseUrl: string, plan: ProxyPlan = forwardAll): Promise<LoopbackProxy> {
  const target = new URL(targetBaseUrl);
  const requests: SeenRequest[] = [];
  const server = http.createServer(async (request, response) => {
    response.on('error', () => {});
    const retryHeader = request.headers['x-stainless-retry-count'];
    const seen: SeenRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      body: await readBody(request),
      retryCount: typeof retryHeader === 'string' ? Number(retryHeader) : null,
      upstreamStatus: null,
    };
    const index = requests.push(seen) - 1;
    const action = plan(seen, index);
    try {
      if (action.kind === 'respond') return sendJson(response, action.status, action.headers, action.body);
      const upstream = await forward(target, seen);
      seen.upstreamStatus = upstream.status;
      switch (action.kind) {
        case 'forward-then-drop':
          request.socket.destroy();
          return;
        case 'forward-then-replace':
          return sendJson(response, action.status, action.headers, action.body);
        case 'forward': {
          if (action.holdResponseMs) await new Promise((resolve) => setTimeout(resolve, action.holdResponseMs));
          const headers = { ...upstream.headers };
          for (const name of action.dropHeaders ?? []) delete headers[name];
          return send(response, upstream.status, headers, upstream.body);
        }
      }
    } catch (error) {
      sendJson(response, 502, {}, { code: 'PROXY_ERROR', message: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    matching: (method, pathPrefix) => requests.filter((r) => r.method === method && r.path.split('?')[0].startsWith(pathPrefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A listening Coffer on one store, an SDK client pointed at it, and a counting proxy in front of it. */
export interface SdkApp {
  t: TestApp;
  baseURL: string;
  client: DodoPayments;
  counting: LoopbackProxy;
  newCustomer(name?: string): Promise<string>;
  balanceOf(customerId: string, currency?: string): Promise<number | undefined>;
  entriesOf(customerId: string): Promise<CustomerWalletTransaction[]>;
}

/** Registers the beforeAll/afterAll that start and stop an SdkApp; its fields are set once beforeAll has run. */
export function useSdkApp(kind: StoreKind): SdkApp {
  const app = {} as SdkApp;
  beforeAll(async () => {
    app.t = await startTestApp(kind);
    app.baseURL = await app.t.listen();
    app.client = sdkClient(app.baseURL, app.t.apiKey);
    app.counting = await startProxy(app.baseURL);
  });
  afterAll(async () => {
    await app.counting?.close();
    await app.t?.close();
  });
  app.newCustomer = async (name = 'Ada Lovelace') =>
    (await app.client.customers.create({ email: `${name.replace(/\W/g, '').toLowerCase()}@example.com`, name })).customer_id;
  app.balanceOf = async (customerId, currency = 'USD') =>
    (await app.client.customers.wallets.list(customerId)).items.find((w) => w.currency === currency)?.balance;
  app.entriesOf = async (customerId) =>
    (await app.client.customers.wallets.ledgerEntries.list(customerId, { page_size: 100, page_number: 0 })).items;
  return app;
}
