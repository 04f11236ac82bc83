// The naive peer: the ledger endpoint as a user would write it by hand, one durable transaction per request.
// Same tables, same store and the same durability as Coffer; no group commit, no auth, no idempotent replay.
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { newId } from '../src/shared/ids.ts';

interface Entry {
  customerId: string;
  currency: string;
  amount: number;
  isCredit: boolean;
  idempotencyKey: string | null;
  businessId: string;
}
type Outcome = { kind: 'ok'; balance: number } | { kind: 'insufficient' } | { kind: 'duplicate' };
type Post = (entry: Entry) => Promise<Outcome>;

const databaseUrl = process.env.DATABASE_URL!;
const businessId = process.env.BENCH_BUSINESS_ID!;

const updateWalletSql = `update wallets set balance = balance + ?, entry_count = entry_count + 1, updated_at = ?
  where customer_id = ? and currency = ? and balance + ? >= 0 returning balance, entry_count`;
const updateCustomerSql = 'update customers set entry_count = entry_count + 1 where id = ? returning entry_count';
const insertEntrySql = `insert into ledger_entries (id, business_id, customer_id, currency, amount, is_credit, event_type, reason,
  reference_object_id, idempotency_key, before_balance, after_balance, customer_seq, wallet_seq, created_at)
  values (?, ?, ?, ?, ?, ?, 'merchant_adjustment', null, null, ?, ?, ?, ?, ?, ?)`;
const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

function openSqlite(): { post: Post; durability: Record<string, string> } {
  const db = new SQLite(databaseUrl);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const durability = {
    store: 'sqlite',
    journal_mode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][Number(db.pragma('synchronous', { simple: true }))],
  };
  const updateWallet = db.prepare(updateWalletSql);
  const updateCustomer = db.prepare(updateCustomerSql);
  const insertEntry = db.prepare(insertEntrySql);
  const apply = db.transaction((e: Entry): Outcome => {
    const delta = e.isCredit ? e.amount : -e.amount;
    const now = new Date().toISOString();
    const wallet = updateWallet.get(delta, now, e.customerId, e.currency, delta) as { balance: number; entry_count: number } | undefined;
    if (!wallet) return { kind: 'insufficient' };
    const customer = updateCustomer.get(e.customerId) as { entry_count: number };
    insertEntry.run(newId('cwt'), e.businessId, e.customerId, e.currency, e.amount, e.isCredit ? 1 : 0, e.idempotencyKey,
      wallet.balance - delta, wallet.balance, customer.entry_count, wallet.entry_count, now);
    return { kind: 'ok', balance: wallet.balance };
  });
  const post: Post = async (e) => {
    try {
      return apply(e);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return { kind: 'duplicate' };
      throw error;
    }
  };
  return { post, durability };
}

async function openPostgres(): Promise<{ post: Post; durability: Record<string, string> }> {
  const schema = process.env.COFFER_DB_SCHEMA!;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.COFFER_DB_POOL_SIZE ?? 10), options: `-c search_path=${schema} -c synchronous_commit=on` });
  const settings = await pool.query(`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes')`);
  const durability = { store: 'postgres', ...Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])) };
  const post: Post = async (e) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const delta = e.isCredit ? e.amount : -e.amount;
      const now = new Date().toISOString();
      const wallet = await client.query({ name: 'w', text: numbered(updateWalletSql), values: [delta, now, e.customerId, e.currency, delta] });
      if (wallet.rowCount === 0) {
        await client.query('rollback');
        return { kind: 'insufficient' };
      }
      const balance = Number(wallet.rows[0].balance);
      const customer = await client.query({ name: 'c', text: numbered(updateCustomerSql), values: [e.customerId] });
      await client.query({
        name: 'i',
        text: numbered(insertEntrySql),
        values: [newId('cwt'), e.businessId, e.customerId, e.currency, e.amount, e.isCredit ? 1 : 0, e.idempotencyKey,
          balance - delta, balance, customer.rows[0].entry_count, wallet.rows[0].entry_count, now],
      });
      await client.query('commit');
      return { kind: 'ok', balance };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      if ((error as { code?: string }).code === '23505') return { kind: 'duplicate' };
      throw error;
    } finally {
      client.release();
    }
  };
  return { post, durability };
}

const { post, durability } = /^postgres(ql)?:\/\//.test(databaseUrl) ? await openPostgres() : openSqlite();
const bodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency', 'entry_type'],
  properties: {
    amount: { type: 'integer', minimum: 1 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    entry_type: { enum: ['credit', 'debit'] },
    idempotency_key: { type: ['string', 'null'], maxLength: 255 },
    reason: { type: ['string', 'null'], maxLength: 3000 },
  },
};
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/durability', async () => durability);
app.post<{ Params: { customer_id: string }; Body: { amount: number; currency: string; entry_type: 'credit' | 'debit'; idempotency_key?: string } }>(
  '/customers/:customer_id/wallets/ledger-entries',
  { schema: { body: bodySchema } },
  async (request, reply) => {
    const body = request.body;
    const outcome = await post({
      customerId: request.params.customer_id,
      currency: body.currency,
      amount: body.amount,
      isCredit: body.entry_type === 'credit',
      idempotencyKey: body.idempotency_key ?? null,
      businessId,
    });
    if (outcome.kind === 'insufficient') return reply.code(400).send({ code: 'INSUFFICIENT_WALLET_FUNDS', message: 'Insufficient funds' });
    if (outcome.kind === 'duplicate') return reply.code(409).send({ code: 'IDEMPOTENCY_KEY_ALREADY_USED', message: 'Duplicate key' });
    return { balance: outcome.balance, currency: body.currency, customer_id: request.params.customer_id };
  },
);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
