// One schema-driven fuzz run on one store: a real Coffer app with two businesses, requests built from its own
// /openapi.json, every response checked, /healthz polled, then the ledger, every stored customer and every webhook
// endpoint re-read.
import type { StoreKind } from '../../src/config/config.ts';
import { seededRandom, streamSeed } from '../../src/shared/random.ts';
import { openStoreReader } from '../model/store-reader.ts';
import { newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type FuzzResponse, TenantSecrets, checkResponse } from './checks.ts';
import { ledgerProblems } from './ledger-invariants.ts';
import { type Operation, operationsOf } from './operations.ts';
import { type BillingIds, type FuzzRequest, type FuzzWorld, buildRequest } from './requests.ts';

export interface FuzzOptions {
  store: StoreKind;
  seed: number;
  requests: number;
  /** Requests in flight at once (their content depends only on the seed and their index). */
  concurrency: number;
  log?: (line: string) => void;
}

export interface Finding {
  index: number;
  problems: string[];
  request: { operation: string; method: string; url: string; headers: Record<string, string>; payload?: string; mutations: string[] };
  response?: { status: number; body: string };
}

export interface FuzzSummary {
  store: StoreKind;
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  operations: number;
  findings: Finding[];
  findingCount: number;
  entries: number;
  wallets: number;
  customersReread: number;
  endpointsReread: number;
  durationMs: number;
}

const findingsKeptMax = 25;

/** Request `index`'s own stream; the seed is mixed first, so that nearby seeds do not share streams at shifted indexes. */
export const requestSeed = (seed: number, index: number) => streamSeed(streamSeed(seed, 0x5eed), index);
const healthEvery = 250;

/** Webhook endpoints of a business, created through the API; each id and signing secret is that business's secret. */
async function makeEndpoints(t: TestApp, key: string, businessId: string, count: number, secrets: TenantSecrets): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await t.request('POST', '/webhooks', { key, body: { url: `https://receiver-${i}.example/hooks`, headers: { 'X-Api-Key': `k-${businessId}-${i}` } } });
    const id = response.json().id as string;
    secrets.add(businessId, id);
    secrets.add(businessId, (await t.request('GET', `/webhooks/${id}/secret`, { key })).json().secret);
    ids.push(id);
  }
  return ids;
}

/** Payment methods every customer of the world has (so a fuzzed DELETE with any of its customers finds one). */
const worldPaymentMethodIds = ['pm_card_succeeds', 'pm_card_declines', 'pm_fuzz_visa'];

async function attachMethods(t: TestApp, key: string, customerIds: string[]): Promise<void> {
  for (const customerId of customerIds) {
    for (const id of worldPaymentMethodIds) {
      const body = { payment_method_id: id, card: { card_network: 'Visa', last4_digits: '4242' } };
      const response = await t.request('POST', `/customers/${customerId}/payment-methods`, { key, body });
      if (response.statusCode !== 200) throw new Error(`attaching ${id} answered ${response.statusCode}: ${response.body}`);
    }
  }
}

/** Holds (one active, one captured), invoices (one open, one paid), the paid one's payment and two subscriptions of a business. */
async function makeBilling(t: TestApp, key: string, businessId: string, customerId: string, secrets: TenantSecrets): Promise<BillingIds> {
  const ids: BillingIds = { hold_id: [], invoice_id: [], payment_id: [], refund_id: [], dispute_id: [], subscription_id: [] };
  for (let i = 0; i < 2; i++) {
    const hold = await t.request('POST', `/customers/${customerId}/wallets/holds`, { key, body: { currency: 'USD', amount: 100 + i, idempotency_key: `fuzz-hold-${i}` } });
    if (hold.statusCode !== 200) throw new Error(`placing a hold answered ${hold.statusCode}: ${hold.body}`);
    ids.hold_id.push(hold.json().id);
    const invoice = await t.request('POST', '/invoices', { key, body: { customer_id: customerId, currency: 'USD', line_items: [{ description: `fuzz ${i}`, amount: 50 }] } });
    if (invoice.statusCode !== 200) throw new Error(`creating an invoice answered ${invoice.statusCode}: ${invoice.body}`);
    ids.invoice_id.push(invoice.json().invoice_id);
  }
  await t.request('POST', `/holds/${ids.hold_id[1]}/capture`, { key, body: {} });
  const payment = await t.request('POST', `/invoices/${ids.invoice_id[1]}/pay`, { key, body: {} });
  if (payment.statusCode !== 200) throw new Error(`paying an invoice answered ${payment.statusCode}: ${payment.body}`);
  ids.payment_id.push(payment.json().payment_id);
  // A refund of it, and a top-up with a dispute (only a top-up's card payment can be disputed).
  const refund = await t.request('POST', '/refunds', { key, body: { payment_id: ids.payment_id[0], amount: 1 } });
  if (refund.statusCode !== 200) throw new Error(`refunding answered ${refund.statusCode}: ${refund.body}`);
  ids.refund_id.push(refund.json().refund_id);
  const topUp = await t.request('POST', `/customers/${customerId}/wallets/top-ups`, { key, body: { currency: 'USD', amount: 500, payment_method_id: 'pm_card_succeeds', idempotency_key: 'fuzz-top-up' } });
  if (topUp.statusCode !== 200) throw new Error(`topping up answered ${topUp.statusCode}: ${topUp.body}`);
  ids.payment_id.push(topUp.json().payment.payment_id);
  const dispute = await t.request('POST', `/payments/${ids.payment_id[1]}/disputes`, { key, body: { amount: 10 } });
  if (dispute.statusCode !== 200) throw new Error(`opening a dispute answered ${dispute.statusCode}: ${dispute.body}`);
  ids.dispute_id.push(dispute.json().dispute_id);
  for (const interval of ['month', 'week']) {
    const subscription = await t.request('POST', '/subscriptions', { key, body: { customer_id: customerId, currency: 'USD', amount: 40, interval } });
    if (subscription.statusCode !== 200) throw new Error(`creating a subscription answered ${subscription.statusCode}: ${subscription.body}`);
    ids.subscription_id.push(subscription.json().subscription_id);
  }
  for (const id of [...ids.hold_id, ...ids.invoice_id, ...ids.payment_id, ...ids.refund_id, ...ids.dispute_id, ...ids.subscription_id]) secrets.add(businessId, id);
  return ids;
}

async function makeWorld(t: TestApp, secrets: TenantSecrets): Promise<FuzzWorld> {
  const other = await t.addBusiness('Other tenant');
  const make = async (key: string, businessId: string, label: string, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const email = `${label}-${i}-secret@${label}.example`;
      const response = await t.request('POST', '/customers', { key, body: { email, name: `${label} ${i}`, metadata: { tier: 'gold', n: i } } });
      const id = response.json().customer_id as string;
      await t.request('POST', `/customers/${id}/wallets/ledger-entries`, { key, body: { amount: 100_000, currency: 'USD', entry_type: 'credit' } });
      secrets.add(businessId, id);
      secrets.add(businessId, email);
      ids.push(id);
    }
    return ids;
  };
  const world: FuzzWorld = {
    own: {
      businessId: t.businessId,
      apiKey: t.apiKey,
      readOnlyKey: t.readOnlyKey,
      customerIds: await make(t.apiKey, t.businessId, 'own', 4),
      webhookIds: await makeEndpoints(t, t.apiKey, t.businessId, 3, secrets),
      paymentMethodIds: worldPaymentMethodIds,
      billingIds: { hold_id: [], invoice_id: [], payment_id: [], refund_id: [], dispute_id: [], subscription_id: [] },
    },
    other: {
      businessId: other.businessId,
      apiKey: other.apiKey,
      customerIds: await make(other.apiKey, other.businessId, 'other', 2),
      webhookIds: await makeEndpoints(t, other.apiKey, other.businessId, 1, secrets),
      paymentMethodIds: worldPaymentMethodIds,
      billingIds: { hold_id: [], invoice_id: [], payment_id: [], refund_id: [], dispute_id: [], subscription_id: [] },
    },
  };
  await attachMethods(t, world.own.apiKey, world.own.customerIds);
  await attachMethods(t, world.other.apiKey, world.other.customerIds);
  world.own.billingIds = await makeBilling(t, world.own.apiKey, world.own.businessId, world.own.customerIds[0], secrets);
  world.other.billingIds = await makeBilling(t, world.other.apiKey, world.other.businessId, world.other.customerIds[0], secrets);
  return world;
}

/**
 * The world's endpoints and payment methods as created; a fuzzed DELETE that removes one is undone at once, so that
 * later requests still reach real ones (the requests themselves stay a function of the seed and their index). A
 * restored payment method comes back as not primary: the customer's primary moved on when it was detached.
 */
async function worldRestorer(t: TestApp, world: FuzzWorld): Promise<() => Promise<void>> {
  const db = t.coffer.store.db;
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', [...world.own.webhookIds, ...world.other.webhookIds]).execute();
  const methods = await db.selectFrom('payment_methods').selectAll().where('customer_id', 'in', [...world.own.customerIds, ...world.other.customerIds]).execute();
  return async () => {
    await db.insertInto('webhook_endpoints').values(rows).onConflict((oc) => oc.doNothing()).execute();
    await db.insertInto('payment_methods').values(methods.map((row) => ({ ...row, is_primary: 0 }))).onConflict((oc) => oc.doNothing()).execute();
    // A customer whose every method was detached and restored has no primary: the first restored becomes it again.
    for (const customerId of new Set(methods.map((row) => row.customer_id))) {
      const rows = await db.selectFrom('payment_methods').select(['payment_method_id', 'is_primary']).where('customer_id', '=', customerId).orderBy('created_at').orderBy('payment_method_id').execute();
      if (rows.length > 0 && !rows.some((row) => row.is_primary === 1)) {
        await db.updateTable('payment_methods').set({ is_primary: 1 }).where('customer_id', '=', customerId).where('payment_method_id', '=', rows[0].payment_method_id).execute();
      }
    }
  };
}

function callerOf(request: FuzzRequest, world: FuzzWorld): string | null {
  if (request.auth === 'write' || request.auth === 'read') return world.own.businessId;
  if (request.auth === 'other') return world.other.businessId;
  return null;
}

async function send(t: TestApp, request: FuzzRequest): Promise<FuzzResponse> {
  const response = await t.coffer.app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers: request.headers,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  });
  return { status: response.statusCode, headers: response.headers, body: response.body };
}

const shown = (payload: FuzzRequest['payload']) =>
  payload === undefined ? undefined : (typeof payload === 'string' ? payload : `base64:${payload.toString('base64')}`).slice(0, 600);

/** Pages through every webhook endpoint of a business by cursor and reads each one, its secret and its headers. */
async function rereadEndpoints(t: TestApp, key: string, problems: string[]): Promise<number> {
  let count = 0;
  let iterator = '';
  for (let page = 0; page < 100; page++) {
    const list = await t.request('GET', `/webhooks?limit=100&iterator=${encodeURIComponent(iterator)}`, { key });
    if (list.statusCode !== 200) {
      problems.push(`webhook list page ${page} answered ${list.statusCode}`);
      return count;
    }
    if (list.headers['x-coffer-skipped-records']) problems.push(`webhook list page ${page} skipped ${list.headers['x-coffer-skipped-records']}`);
    const body = list.json() as { data: Array<{ id: string }>; iterator: string | null };
    for (const { id } of body.data) {
      count += 1;
      for (const url of [`/webhooks/${id}`, `/webhooks/${id}/secret`, `/webhooks/${id}/headers`]) {
        const response = await t.request('GET', url, { key });
        if (response.statusCode !== 200) problems.push(`GET ${url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      }
    }
    if (body.iterator === null) return count;
    iterator = body.iterator;
  }
  problems.push('more than 100 webhook list pages');
  return count;
}

/** Pages through every customer of a business and reads each one, its wallets, its first page of entries and its payment methods. */
async function rereadAll(t: TestApp, key: string, problems: string[]): Promise<number> {
  let count = 0;
  for (let page = 0; page < 1000; page++) {
    const list = await t.request('GET', `/customers?page_size=100&page_number=${page}`, { key });
    if (list.statusCode !== 200) {
      problems.push(`customer list page ${page} answered ${list.statusCode}`);
      return count;
    }
    if (list.headers['x-coffer-skipped-records']) problems.push(`list page ${page} skipped ${list.headers['x-coffer-skipped-records']}`);
    const items = list.json().items as Array<{ customer_id: string }>;
    if (items.length === 0) return count;
    for (const { customer_id: id } of items) {
      count += 1;
      for (const url of [`/customers/${id}`, `/customers/${id}/wallets`, `/customers/${id}/wallets/ledger-entries?page_size=100`, `/customers/${id}/payment-methods`]) {
        const response = await t.request('GET', url, { key });
        if (response.statusCode !== 200) problems.push(`GET ${url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      }
    }
  }
  return count;
}

/** Every customer with payment methods has exactly one primary, whatever the fuzzed attaches and detaches did. */
async function primaryProblems(t: TestApp): Promise<string[]> {
  const rows = await t.coffer.store.db.selectFrom('payment_methods').select(['customer_id', 'is_primary']).execute();
  const primaries = new Map<string, number>();
  for (const row of rows) primaries.set(row.customer_id, (primaries.get(row.customer_id) ?? 0) + row.is_primary);
  return [...primaries].filter(([, count]) => count !== 1).map(([customerId, count]) => `customer ${customerId} has ${count} primary payment methods`);
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const processorSecret = newWebhookSecret();
  const t = await startTestApp(options.store, { COFFER_PAYMENT_PROCESSOR_SECRET: processorSecret });
  const reader = await openStoreReader(t);
  const secrets = new TenantSecrets();
  const summary: FuzzSummary = {
    store: options.store, seed: options.seed, requests: 0, byStatus: {}, byCode: {}, operations: 0, findings: [], findingCount: 0,
    entries: 0, wallets: 0, customersReread: 0, endpointsReread: 0, durationMs: 0,
  };
  const record = (finding: Finding) => {
    summary.findingCount += 1;
    if (summary.findings.length < findingsKeptMax) summary.findings.push(finding);
  };
  try {
    const world = { ...(await makeWorld(t, secrets)), processorSecret };
    const restoreWorld = await worldRestorer(t, world);
    const document = (await t.request('GET', '/openapi.json', { key: null })).json();
    const operations: Operation[] = operationsOf(document);
    summary.operations = operations.length;
    const byLabel = new Map(operations.map((o) => [`${o.method} ${o.path}`, o]));
    log(`fuzz ${options.store}: seed ${options.seed}, ${options.requests} requests over ${operations.length} operations from /openapi.json`);

    let next = 0;
    const worker = async () => {
      while (next < options.requests) {
        const index = next++;
        const request = buildRequest(index, operations, world, seededRandom(requestSeed(options.seed, index)));
        const operation = byLabel.get(request.operation)!;
        let response: FuzzResponse;
        try {
          response = await send(t, request);
        } catch (error) {
          record({ index, problems: [`request threw: ${(error as Error).message}`], request: { ...request, payload: shown(request.payload) } });
          continue;
        }
        summary.requests += 1;
        summary.byStatus[response.status] = (summary.byStatus[response.status] ?? 0) + 1;
        const caller = callerOf(request, world);
        const problems = checkResponse(operation, request, response, secrets, caller);
        if (response.status < 300 && caller !== null) {
          const created = /"customer_id":"(cus_\w+)"/.exec(response.body);
          // A customer created by a fuzzed request belongs to the caller's business from now on.
          if (created && request.method === 'POST' && request.url === '/customers') secrets.add(caller, created[1]);
        }
        if (response.status >= 400 && request.method !== 'HEAD') {
          const code = /"code":"([A-Z_]+)"/.exec(response.body)?.[1] ?? '?';
          summary.byCode[code] = (summary.byCode[code] ?? 0) + 1;
        }
        if (request.method === 'DELETE' && response.status === 204) await restoreWorld();
        if (problems.length > 0) {
          record({ index, problems, request: { ...request, payload: shown(request.payload) }, response: { status: response.status, body: response.body.slice(0, 600) } });
        }
        if (index % healthEvery === 0) {
          const health = await t.request('GET', '/healthz', { key: null });
          if (health.statusCode !== 200) record({ index, problems: [`/healthz answered ${health.statusCode}`], request: { ...request, payload: shown(request.payload) } });
        }
        if (index > 0 && index % 5000 === 0) log(`  ${index} requests, ${summary.findingCount} findings`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));

    const after: string[] = [];
    const health = await t.request('GET', '/healthz', { key: null });
    if (health.statusCode !== 200) after.push(`/healthz answered ${health.statusCode} after the run`);
    await t.coffer.writer.drain();
    const ledger = await ledgerProblems(reader);
    after.push(...ledger.problems);
    summary.entries = ledger.entries;
    summary.wallets = ledger.wallets;
    summary.customersReread = (await rereadAll(t, world.own.apiKey, after)) + (await rereadAll(t, world.other.apiKey, after));
    summary.endpointsReread = (await rereadEndpoints(t, world.own.apiKey, after)) + (await rereadEndpoints(t, world.other.apiKey, after));
    after.push(...(await primaryProblems(t)));
    for (const problem of after) record({ index: -1, problems: [problem], request: { operation: 'after the run', method: '', url: '', headers: {}, mutations: [] } });
  } finally {
    await reader.close();
    await t.close();
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

export function formatSummary(summary: FuzzSummary): string {
  const statuses = Object.entries(summary.byStatus).sort().map(([status, count]) => `${status}: ${count}`).join(', ');
  const codes = Object.entries(summary.byCode).sort((a, b) => b[1] - a[1]).map(([code, count]) => `${code} ${count}`).join(', ');
  const lines = [
    `fuzz ${summary.store} seed ${summary.seed}: ${summary.requests} requests over ${summary.operations} operations in ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  by status: ${statuses}`,
    `  error codes: ${codes}`,
    `  after the run: ${summary.entries} entries in ${summary.wallets} wallets checked, ${summary.customersReread} customers and ${summary.endpointsReread} webhook endpoints re-read`,
    `  findings: ${summary.findingCount}`,
  ];
  for (const finding of summary.findings) {
    lines.push(`  - request #${finding.index} (rebuild: seed ${summary.seed}, index ${finding.index}): ${finding.problems.join('; ')}`);
    lines.push(`    ${JSON.stringify(finding.request)}`);
    if (finding.response) lines.push(`    → ${finding.response.status} ${finding.response.body}`);
  }
  return lines.join('\n');
}
