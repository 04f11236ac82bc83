// The torture clients: a seeded mix of writes (resent with the same key until a definitive answer) and reads.
import type { Book, KeyRecord } from './book.ts';
import type { HttpClient, HttpOutcome } from './http-client.ts';
import { type Random, seededRandom, streamSeed } from '../src/shared/random.ts';

export interface WorkloadContext {
  book: Book;
  http: HttpClient;
  seed: number;
  customers: readonly string[];
  hotCustomers: readonly string[];
  abandonChance: number;
  keyDeadlineMs: number;
  /** Claims the next operation; false once the run has done enough operations and kills. */
  claimOperation(): boolean;
}

type Response = Extract<HttpOutcome, { kind: 'response' }>;

const currencies = ['USD', 'INR'] as const;
/** Larger than every credit of a run put together, so such a debit can only be refused. */
const overdrawAmount = 100_000_000_000_000;
const hotShare = 0.3;

/** Cumulative weights of the operation mix. */
const mix = [
  ['credit', 28],
  ['debit', 24],
  ['overdraw', 5],
  ['racing_credit', 5],
  ['repeat_same', 5],
  ['repeat_different', 5],
  ['read_wallets', 14],
  ['read_page', 14],
] as const;
type OperationKind = (typeof mix)[number][0];
const mixTotal = mix.reduce((sum, [, weight]) => sum + weight, 0);

function pickOperation(rng: Random): OperationKind {
  let roll = rng.next() * mixTotal;
  for (const [kind, weight] of mix) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'credit';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const entriesPath = (customerId: string) => `/customers/${customerId}/wallets/ledger-entries`;

export async function runClient(index: number, context: WorkloadContext): Promise<void> {
  const rng = seededRandom(streamSeed(context.seed, index));
  let keyNumber = 0;
  while (context.claimOperation()) {
    const kind = pickOperation(rng);
    const customerId = rng.chance(hotShare) ? rng.pick(context.hotCustomers) : rng.pick(context.customers);
    const currency = rng.pick(currencies);
    const newKey = () => `s${context.seed}-c${index}-k${++keyNumber}`;
    switch (kind) {
      case 'credit':
      case 'debit':
      case 'overdraw': {
        const amount = kind === 'credit' ? rng.int(100, 50_000) : kind === 'debit' ? rng.int(100, 60_000) : overdrawAmount;
        const record = context.book.addKey({ key: newKey(), customerId, currency, amount, isCredit: kind === 'credit', kind });
        await write(context, rng, record, kind, true);
        break;
      }
      case 'racing_credit': {
        const record = context.book.addKey({ key: newKey(), customerId, currency, amount: rng.int(100, 50_000), isCredit: true, kind });
        await Promise.all([write(context, rng, record, 'racing_credit', false), write(context, rng, record, 'racing_credit', false)]);
        break;
      }
      case 'repeat_same':
      case 'repeat_different':
        await repeat(context, rng, kind);
        break;
      case 'read_wallets':
        await readWallets(context, customerId);
        break;
      case 'read_page':
        await readPage(context, rng, customerId);
        break;
    }
  }
}

function bodyOf(record: KeyRecord, amount = record.amount) {
  return { amount, currency: record.currency, entry_type: record.isCredit ? 'credit' : 'debit', idempotency_key: record.key, reason: `torture ${record.kind}` };
}

/** Sends until a definitive answer; connection errors, timeouts, 429 and 5xx are not definitive. */
async function sendUntilDefinitive(
  context: WorkloadContext,
  rng: Random,
  path: string,
  body: unknown,
  mayAbandon: boolean,
): Promise<Response | 'abandoned' | 'stuck'> {
  const { book } = context;
  const startedAt = performance.now();
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) book.requests.retriedWrites += 1;
    const outcome = await context.http.request('POST', path, body);
    book.requests.attempts += 1;
    let waitMs = Math.min(20 * 2 ** attempt, 500) * (0.5 + Math.random() / 2);
    if (outcome.kind === 'response') {
      if (outcome.status < 500 && outcome.status !== 429) return outcome;
      if (outcome.status === 429) {
        book.requests.status429 += 1;
        const retryAfterSeconds = Number(outcome.headers['retry-after']);
        if (Number.isFinite(retryAfterSeconds)) waitMs = Math.min(retryAfterSeconds * 1000, 2000);
      } else {
        book.requests.status5xx += 1;
      }
    } else {
      book.requests.noResponse += 1;
      // A client that dies with the server: its key stays unknown to it, whatever the server committed. Only
      // after a lost answer (not a refused connection), when the request may have reached the server.
      if (mayAbandon && outcome.error !== 'ECONNREFUSED' && rng.chance(context.abandonChance)) return 'abandoned';
    }
    if (performance.now() - startedAt > context.keyDeadlineMs) return 'stuck';
    await sleep(waitMs);
  }
}

function checkBalance(context: WorkloadContext, balance: unknown, where: string): void {
  if (typeof balance !== 'number' || !Number.isSafeInteger(balance) || balance < 0) {
    context.book.anomaly('negative_balance_read', `${where}: balance ${JSON.stringify(balance)}`);
  }
}

/** True when a 409's `entry` is this key's original request (and the same entry every time). */
function entryMatches(record: KeyRecord, entry: any): boolean {
  const same =
    entry !== null &&
    typeof entry === 'object' &&
    entry.idempotency_key === record.key &&
    entry.customer_id === record.customerId &&
    entry.currency === record.currency &&
    entry.amount === record.amount &&
    entry.is_credit === record.isCredit &&
    (record.entryId === undefined || entry.id === record.entryId);
  if (same) record.entryId = entry.id;
  return same;
}

function markUnknown(record: KeyRecord, reason: NonNullable<KeyRecord['unknownReason']>): void {
  if (record.status === 'pending') {
    record.status = 'unknown';
    record.unknownReason = reason;
  }
}

async function write(context: WorkloadContext, rng: Random, record: KeyRecord, kind: string, mayAbandon: boolean): Promise<void> {
  const { book } = context;
  const answer = await sendUntilDefinitive(context, rng, entriesPath(record.customerId), bodyOf(record), mayAbandon);
  if (answer === 'abandoned' || answer === 'stuck') {
    markUnknown(record, answer);
    return book.count(kind, answer);
  }
  const code = answer.body?.code;
  if (answer.status === 200) {
    record.ok200 += 1;
    if (record.ok200 > 1) book.anomaly('double_success', `key ${record.key} answered 200 ${record.ok200} times`);
    checkBalance(context, answer.body?.balance, `POST ${record.key} 200`);
    book.acknowledge(record);
    return book.count(kind, 'ok');
  }
  if (answer.status === 400 && code === 'INSUFFICIENT_WALLET_FUNDS' && !record.isCredit) {
    if (record.status === 'pending') record.status = 'refused';
    return book.count(kind, 'insufficient');
  }
  if (answer.status === 409 && code === 'IDEMPOTENCY_KEY_ALREADY_USED') {
    checkBalance(context, answer.body?.wallet?.balance, `POST ${record.key} 409 wallet`);
    if (entryMatches(record, answer.body?.entry)) {
      book.acknowledge(record);
      return book.count(kind, 'acknowledged_by_409');
    }
    book.anomaly('conflict_body_mismatch', `key ${record.key}: 409 entry ${JSON.stringify(answer.body?.entry)} is not its request`);
    markUnknown(record, 'anomaly');
    return book.count(kind, 'conflict_mismatch');
  }
  book.anomaly('unexpected_answer', `key ${record.key} (${kind}): ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  markUnknown(record, 'anomaly');
  book.count(kind, `unexpected_${answer.status}`);
}

/** Resends an acknowledged key, with its body or a different one: nothing may be written either way. */
async function repeat(context: WorkloadContext, rng: Random, kind: 'repeat_same' | 'repeat_different'): Promise<void> {
  const { book } = context;
  if (book.acknowledged.length === 0) return book.count(kind, 'nothing_to_repeat');
  const record = rng.pick(book.acknowledged);
  const amount = kind === 'repeat_same' ? record.amount : record.amount + rng.int(1, 100);
  const answer = await sendUntilDefinitive(context, rng, entriesPath(record.customerId), bodyOf(record, amount), false);
  if (answer === 'abandoned' || answer === 'stuck') return book.count(kind, answer);
  const code = answer.body?.code;
  const expected = kind === 'repeat_same' ? 'IDEMPOTENCY_KEY_ALREADY_USED' : 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST';
  if (answer.status === 409 && code === expected) {
    if (entryMatches(record, answer.body?.entry)) return book.count(kind, 'conflict_as_expected');
    book.anomaly('conflict_body_mismatch', `${kind} of ${record.key}: entry ${JSON.stringify(answer.body?.entry)}`);
    return book.count(kind, 'conflict_mismatch');
  }
  if (answer.status === 200) {
    record.ok200 += 1;
    book.anomaly('double_success', `${kind} of acknowledged key ${record.key} answered 200`);
    return book.count(kind, 'applied_again');
  }
  book.anomaly('unexpected_answer', `${kind} of ${record.key}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  book.count(kind, `unexpected_${answer.status}`);
}

async function readWallets(context: WorkloadContext, customerId: string): Promise<void> {
  const { book } = context;
  const answer = await context.http.request('GET', `/customers/${customerId}/wallets`);
  if (answer.kind === 'no_response' || answer.status >= 500 || answer.status === 429) {
    await sleep(20);
    return book.count('read_wallets', 'unavailable');
  }
  if (answer.status !== 200 || !Array.isArray(answer.body?.items)) {
    book.anomaly('unexpected_answer', `GET wallets ${customerId}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return book.count('read_wallets', `unexpected_${answer.status}`);
  }
  book.reads.wallets += 1;
  for (const wallet of answer.body.items) checkBalance(context, wallet.balance, `GET wallets ${customerId} ${wallet.currency}`);
  checkBalance(context, answer.body.total_balance_usd, `GET wallets ${customerId} total_balance_usd`);
  book.count('read_wallets', 'ok');
}

/** Reads one page; checks non-negative balances, each entry's arithmetic, and the before/after chain per currency. */
async function readPage(context: WorkloadContext, rng: Random, customerId: string): Promise<void> {
  const { book } = context;
  const pageNumber = rng.chance(0.6) ? 0 : rng.int(1, 5);
  const pageSize = rng.int(1, 100);
  const currency = rng.chance(0.3) ? '' : `&currency=${rng.pick(currencies)}`;
  const url = `${entriesPath(customerId)}?page_number=${pageNumber}&page_size=${pageSize}${currency}`;
  const answer = await context.http.request('GET', url);
  if (answer.kind === 'no_response' || answer.status >= 500 || answer.status === 429) {
    await sleep(20);
    return book.count('read_page', 'unavailable');
  }
  if (answer.status !== 200 || !Array.isArray(answer.body?.items)) {
    book.anomaly('unexpected_answer', `GET ${url}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return book.count('read_page', `unexpected_${answer.status}`);
  }
  book.reads.pages += 1;
  book.reads.entriesSeen += answer.body.items.length;
  if (answer.body.items.length > pageSize) book.anomaly('inconsistent_page', `GET ${url}: ${answer.body.items.length} items`);
  const olderThan = new Map<string, any>();
  for (const entry of answer.body.items) {
    checkBalance(context, entry.before_balance, `GET ${url} ${entry.id} before`);
    checkBalance(context, entry.after_balance, `GET ${url} ${entry.id} after`);
    const arithmetic = entry.is_credit ? entry.before_balance + entry.amount : entry.before_balance - entry.amount;
    if (entry.after_balance !== arithmetic || entry.customer_id !== customerId) {
      book.anomaly('inconsistent_page', `GET ${url}: entry ${JSON.stringify(entry)}`);
    }
    // Newest first: an entry's before_balance is the after_balance of the next (older) entry of its currency.
    const newer = olderThan.get(entry.currency);
    if (newer && newer.before_balance !== entry.after_balance) {
      book.anomaly('inconsistent_page', `GET ${url}: ${newer.id} before ${newer.before_balance} ≠ ${entry.id} after ${entry.after_balance}`);
    }
    olderThan.set(entry.currency, entry);
  }
  book.count('read_page', answer.body.items.length === 0 ? 'empty' : 'ok');
}
