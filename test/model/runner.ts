// Runs one command sequence against a live Coffer app and the model side by side, failing on the first disagreement.
import type { LightMyRequestResponse } from 'fastify';
import { type Config, type StoreKind, loadConfig } from '../../src/config/config.ts';
import type { Store } from '../../src/db/database.ts';
import { entryAmountMax } from '../../src/shared/money.ts';
import { randomBase62 } from '../../src/shared/ids.ts';
import { type TestApp, type TestBusiness, startTestApp } from '../support/test-app.ts';
import { type Command, type CustomerRef, type ListCommand, type Owner, type PostCommand, type RepeatCommand, keyFor, reasonPool } from './commands.ts';
import { responseMismatch, wireEntryMismatch } from './compare.ts';
import { check, checkSequenceEnd, rowsAfterModel } from './invariants.ts';
import { type LedgerRequest, LedgerModel } from './ledger-model.ts';
import { type GroupItem, describeGroup, linearize, readMismatch } from './linearize.ts';
import { openStoreReader } from './store-reader.ts';

/** One app per store, reused by every sequence; each sequence makes its own customers and keys. */
export interface ModelContext {
  t: TestApp;
  businesses: Record<Owner, TestBusiness>;
  reader: Store;
  config: Config;
  runId: string;
  sequences: number;
  requests: number;
  /** How often each ledger-write outcome was seen ("200", "409 IDEMPOTENCY_KEY_ALREADY_USED", …), to show coverage. */
  outcomes: Record<string, number>;
  concurrentGroups: number;
  /** Ledger writes fired inside concurrent groups, and the group-commit batches that carried them. */
  groupWrites: number;
  groupBatches: number;
  /** The app runs with COFFER_IDEMPOTENCY_REPLAY (a same-body repeat replays the original 200). */
  replay: boolean;
}

export async function startModelContext(kind: StoreKind, options: { replay: boolean }): Promise<ModelContext> {
  // Rate limiting is off: a fast machine could pass the default per-key limit, and it is tested on its own.
  const t = await startTestApp(kind, { COFFER_RATE_LIMIT_PER_SECOND: '0', ...(options.replay ? { COFFER_IDEMPOTENCY_REPLAY: 'true' } : {}) });
  const other = await t.addBusiness('Other business');
  const reader = await openStoreReader(t);
  return {
    t,
    businesses: { main: { businessId: t.businessId, apiKey: t.apiKey, readOnlyKey: t.readOnlyKey }, other },
    reader,
    config: loadConfig(t.env),
    runId: randomBase62(6),
    sequences: 0,
    requests: 0,
    outcomes: {},
    concurrentGroups: 0,
    groupWrites: 0,
    groupBatches: 0,
    replay: options.replay,
  };
}

export async function stopModelContext(context: ModelContext | undefined): Promise<void> {
  await context?.reader.close();
  await context?.t.close();
}

interface SentPost {
  actor: Owner;
  request: LedgerRequest;
}

const flip = (owner: Owner): Owner => (owner === 'main' ? 'other' : 'main');

class SequenceRun {
  readonly model: LedgerModel;
  private readonly customers: Record<Owner, string[]> = { main: [], other: [] };
  private readonly keyedPosts: SentPost[] = [];
  readonly keyPrefix: string;

  constructor(private readonly context: ModelContext) {
    this.model = new LedgerModel(context.replay);
    context.sequences += 1;
    this.keyPrefix = `m${context.runId}s${context.sequences}x`;
  }

  private send(method: string, url: string, actor: Owner, body?: unknown): Promise<LightMyRequestResponse> {
    this.context.requests += 1;
    return this.context.t.request(method, url, { key: this.context.businesses[actor].apiKey, body });
  }

  async create(owner: Owner): Promise<string> {
    const response = await this.send('POST', '/customers', owner, { email: `model-${this.customers[owner].length}@example.com`, name: `Model ${owner}` });
    check(response.statusCode === 200, () => `POST /customers answered ${response.statusCode} ${response.body}`);
    const customer = response.json() as { customer_id: string; business_id: string };
    check(customer.business_id === this.context.businesses[owner].businessId, () => `customer created for ${customer.business_id}`);
    this.customers[owner].push(customer.customer_id);
    this.model.addCustomer(customer.customer_id, customer.business_id);
    return customer.customer_id;
  }

  private async customerId(ref: CustomerRef): Promise<string> {
    if (ref.customer < 0) return `cus_unknown${this.keyPrefix}`;
    const list = this.customers[ref.owner];
    if (list.length === 0) await this.create(ref.owner);
    return list[ref.customer % list.length];
  }

  private async resolvePost(command: PostCommand): Promise<SentPost> {
    const customerId = await this.customerId(command);
    let amount = command.amount;
    if (typeof amount !== 'number') {
      const balance = this.model.customers.get(customerId)?.balances.get(command.currency) ?? 0;
      amount = Math.min(entryAmountMax, Math.max(1, amount === 'balance' ? balance : balance + 1));
    }
    return {
      actor: command.actor,
      request: {
        businessId: this.context.businesses[command.actor].businessId,
        customerId,
        currency: command.currency,
        isCredit: command.entryType === 'credit',
        amount,
        key: command.key === null ? null : keyFor(this.keyPrefix, command.key),
        reason: command.reason === null ? null : reasonPool[command.reason],
        ...(command.lot === undefined
          ? {}
          : {
              lot: {
                expiresAt: command.lot.expiresInDays === null ? null : new Date(Date.now() + command.lot.expiresInDays * 86_400_000).toISOString(),
                category: command.lot.category,
              },
            }),
      },
    };
  }

  /** The earlier keyed post a repeat resends, changed as the command says; null when none was sent yet. */
  private async resolveRepeat(command: RepeatCommand): Promise<SentPost | null> {
    if (this.keyedPosts.length === 0) return null;
    const original = this.keyedPosts[this.keyedPosts.length - 1 - (command.back % this.keyedPosts.length)];
    const request = { ...original.request };
    let actor = original.actor;
    switch (command.change) {
      case 'reason':
        request.reason = request.reason === 'changed reason' ? 'changed again' : 'changed reason';
        break;
      case 'amount':
        request.amount = request.amount === entryAmountMax ? request.amount - 1 : request.amount + 1;
        break;
      case 'currency':
        request.currency = request.currency === 'USD' ? 'INR' : 'USD';
        break;
      case 'entryType':
        request.isCredit = !request.isCredit;
        break;
      case 'customer': {
        const own = this.customers[actor];
        if (own.length < 2) await this.create(actor);
        request.customerId = own.find((id) => id !== request.customerId) ?? own[0];
        break;
      }
      case 'otherBusiness':
      case 'otherBusinessOwnCustomer':
        actor = flip(actor);
        request.businessId = this.context.businesses[actor].businessId;
        if (command.change === 'otherBusinessOwnCustomer') request.customerId = await this.customerId({ owner: actor, customer: 0 });
        break;
    }
    return { actor, request };
  }

  private postBody(request: LedgerRequest) {
    return {
      amount: request.amount,
      currency: request.currency,
      entry_type: request.isCredit ? 'credit' : 'debit',
      ...(request.key === null ? {} : { idempotency_key: request.key }),
      reason: request.reason,
      // Lot fields go with credits only (a repeat turned into a debit drops them, as a client would).
      ...(request.isCredit && request.lot ? { category: request.lot.category, ...(request.lot.expiresAt === null ? {} : { expires_at: request.lot.expiresAt }) } : {}),
    };
  }

  private async firePost(post: SentPost): Promise<LightMyRequestResponse> {
    if (post.request.key !== null) this.keyedPosts.push(post);
    const url = `/customers/${encodeURIComponent(post.request.customerId)}/wallets/ledger-entries`;
    const response = await this.send('POST', url, post.actor, this.postBody(post.request));
    const replayed = response.headers['x-idempotent-replay'] === 'true';
    const outcome = response.statusCode === 200 ? (replayed ? '200 replayed' : '200') : `${response.statusCode} ${response.json().code}`;
    this.context.outcomes[outcome] = (this.context.outcomes[outcome] ?? 0) + 1;
    return response;
  }

  private async post(post: SentPost): Promise<void> {
    const response = await this.firePost(post);
    const { expected } = this.model.post(post.request);
    const mismatch = responseMismatch(response, expected, post.request.customerId, post.request.currency);
    check(mismatch === null, () => `POST ${JSON.stringify(this.postBody(post.request)).slice(0, 200)} to ${post.request.customerId}: ${mismatch}`);
  }

  private async list(command: ListCommand): Promise<void> {
    const customerId = await this.customerId(command);
    const query = `page_size=${command.pageSize}&page_number=${command.pageNumber}${command.currency ? `&currency=${command.currency}` : ''}`;
    const response = await this.send('GET', `/customers/${encodeURIComponent(customerId)}/wallets/ledger-entries?${query}`, command.actor);
    const customer = this.model.visibleCustomer(this.context.businesses[command.actor].businessId, customerId);
    if (!customer) {
      check(response.statusCode === 404 && response.json().code === 'CUSTOMER_NOT_FOUND', () => `list of a foreign customer answered ${response.statusCode}`);
      return;
    }
    check(response.statusCode === 200, () => `list ${query} answered ${response.statusCode} ${response.body}`);
    const items = response.json().items as unknown[];
    const expected = this.model.page(customer, command.currency, command.pageSize, command.pageNumber);
    check(items.length === expected.length, () => `list ${query} of ${customerId}: ${items.length} items, model ${expected.length}`);
    expected.forEach((entry, index) => {
      const mismatch = wireEntryMismatch(`list ${query} item ${index}`, items[index], entry);
      check(mismatch === null, () => mismatch!);
    });
  }

  private async group(items: Array<Exclude<Command, { op: 'group' | 'create' | 'list' }>>): Promise<void> {
    // Resolve first (this may create customers), then fire everything at once.
    const planned: Array<{ post: SentPost } | { read: { actor: Owner; customerId: string } }> = [];
    for (const item of items) {
      if (item.op === 'read') planned.push({ read: { actor: item.actor, customerId: await this.customerId(item) } });
      else {
        const post = item.op === 'post' ? await this.resolvePost(item) : await this.resolveRepeat(item);
        if (post) planned.push({ post });
      }
    }
    this.context.concurrentGroups += 1;
    const stats = this.context.t.coffer.ledger.batchStats;
    const batchesBefore = stats.batches;
    const commandsBefore = stats.commands;
    const responses = await Promise.all(
      planned.map((p) => ('post' in p ? this.firePost(p.post) : this.send('GET', `/customers/${encodeURIComponent(p.read.customerId)}/wallets`, p.read.actor))),
    );
    this.context.groupWrites += stats.commands - commandsBefore;
    this.context.groupBatches += stats.batches - batchesBefore;
    const groupItems: GroupItem[] = planned.map((p, index) =>
      'post' in p
        ? { kind: 'post', request: p.post.request, response: responses[index] }
        : { kind: 'read', businessId: this.context.businesses[p.read.actor].businessId, customerId: p.read.customerId, response: responses[index] },
    );
    const touched = [...new Set(groupItems.flatMap((g) => (g.kind === 'post' && this.model.customers.has(g.request.customerId) ? [g.request.customerId] : [])))];
    const newRows = await rowsAfterModel(this.context.reader, this.model, touched);
    const order = linearize(this.model, groupItems, newRows);
    check(order !== null, () => `no serial order explains these concurrent requests:\n${describeGroup(groupItems, newRows)}`);
  }

  async execute(command: Command): Promise<void> {
    switch (command.op) {
      case 'create':
        await this.create(command.owner);
        return;
      case 'post':
        return this.post(await this.resolvePost(command));
      case 'repeat': {
        const post = await this.resolveRepeat(command);
        if (post) await this.post(post);
        return;
      }
      case 'read': {
        const customerId = await this.customerId(command);
        const response = await this.send('GET', `/customers/${encodeURIComponent(customerId)}/wallets`, command.actor);
        const mismatch = readMismatch(this.model, this.context.businesses[command.actor].businessId, customerId, response);
        check(mismatch === null, () => `GET wallets of ${customerId}: ${mismatch}`);
        return;
      }
      case 'list':
        return this.list(command);
      case 'group':
        return this.group(command.items);
    }
  }
}

/** Runs the commands in order, then recomputes and compares everything the sequence touched. */
export async function runSequence(context: ModelContext, commands: Command[]): Promise<void> {
  const run = new SequenceRun(context);
  for (const command of commands) await run.execute(command);
  const apiKeys = new Map(Object.values(context.businesses).map((b) => [b.businessId, b.apiKey]));
  await checkSequenceEnd(context.t, apiKeys, context.reader, context.config, run.model, run.keyPrefix);
}
