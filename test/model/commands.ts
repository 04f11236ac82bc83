// The commands of the model-based test as plain JSON data, and the fast-check arbitraries that generate them.
import fc from 'fast-check';
import { entryAmountMax } from '../../src/shared/money.ts';

/** Which business acts (whose API key is sent) or owns a customer. */
export type Owner = 'main' | 'other';

/**
 * A customer reference: an index into the owner's customers of this sequence (taken modulo their number; one is
 * created first when the owner has none), or -1 for an id that does not exist.
 */
export interface CustomerRef {
  owner: Owner;
  customer: number;
}

export interface PostCommand extends CustomerRef {
  op: 'post';
  actor: Owner;
  currency: string;
  entryType: 'credit' | 'debit';
  /** Minor units, or the wallet's balance (plus one) as the model knows it when the request is prepared: the edges of an overdraft. */
  amount: number | 'balance' | 'balancePlusOne';
  /** Index into the sequence's key pool (see keyFor), or null for no idempotency key. */
  key: number | null;
  /** Index into reasonPool, or null to send no reason. */
  reason: number | null;
  /**
   * A credit's lot (docs/expiry.md): expires this many days after the request (far enough that nothing expires
   * during a sequence) or never, promotional or paid. Absent in older regressions: a plain credit. Debits send none.
   */
  lot?: { expiresInDays: number | null; category: 'paid' | 'promotional' };
}

/** Resends an earlier keyed post of this sequence (the `back`-th most recent, modulo), possibly changed. */
export interface RepeatCommand {
  op: 'repeat';
  back: number;
  change: 'none' | 'reason' | 'amount' | 'currency' | 'entryType' | 'customer' | 'otherBusiness' | 'otherBusinessOwnCustomer';
}

export interface CreateCommand {
  op: 'create';
  owner: Owner;
}

export interface ReadCommand extends CustomerRef {
  op: 'read';
  actor: Owner;
}

export interface ListCommand extends CustomerRef {
  op: 'list';
  actor: Owner;
  currency: string | null;
  pageSize: number;
  pageNumber: number;
}

/** Requests fired together with Promise.all, so that they share a group-commit batch. */
export interface GroupCommand {
  op: 'group';
  items: Array<PostCommand | RepeatCommand | ReadCommand>;
}

export type Command = CreateCommand | PostCommand | RepeatCommand | ReadCommand | ListCommand | GroupCommand;

export const currencies = ['USD', 'INR'] as const;

/** Reasons are stored verbatim: empty, SQL-looking, non-ASCII, with tab and newline, and the longest allowed. */
export const reasonPool: readonly string[] = [
  'top-up',
  '',
  "'; DROP TABLE ledger_entries; --",
  'Robert"); DELETE FROM wallets WHERE (1=1',
  'émoji 💸 ünïcode — ₹',
  'line one\nline two\tand a tab\r',
  'x'.repeat(3000),
];

export const keyPoolSize = 7;

/** Key i of a sequence: short keys share one prefix; the last one is 255 characters, the longest allowed. */
export function keyFor(prefix: string, index: number): string {
  if (index === keyPoolSize - 1) return `${prefix}L`.padEnd(255, 'L');
  return `${prefix}k${index}`;
}

const owner = fc.constantFrom<Owner>('main', 'main', 'main', 'other');
const customerIndex = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constant(-1) });
const currency = fc.oneof({ weight: 15, arbitrary: fc.constantFrom(...currencies) }, { weight: 1, arbitrary: fc.constant('EUR') });
const amount: fc.Arbitrary<PostCommand['amount']> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 500 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
  { weight: 1, arbitrary: fc.constant(entryAmountMax) },
  { weight: 3, arbitrary: fc.constantFrom('balance' as const, 'balancePlusOne' as const) },
);

/** Most requests act on their own business's customers; a few cross over (and must get 404). */
const actorFor = (customerOwner: Owner) =>
  fc.oneof({ weight: 15, arbitrary: fc.constant(customerOwner) }, { weight: 1, arbitrary: fc.constant<Owner>(customerOwner === 'main' ? 'other' : 'main') });

export const postArbitrary: fc.Arbitrary<PostCommand> = owner.chain((customerOwner) =>
  fc.record({
    op: fc.constant('post' as const),
    owner: fc.constant(customerOwner),
    customer: customerIndex,
    actor: actorFor(customerOwner),
    currency,
    entryType: fc.constantFrom('credit' as const, 'debit' as const),
    amount,
    key: fc.option(fc.integer({ min: 0, max: keyPoolSize - 1 }), { freq: 4 }),
    reason: fc.option(fc.integer({ min: 0, max: reasonPool.length - 1 }), { freq: 3 }),
    lot: fc.record({
      expiresInDays: fc.option(fc.integer({ min: 1, max: 30 }), { freq: 2, nil: null }),
      category: fc.constantFrom<'paid' | 'promotional'>('paid', 'promotional'),
    }),
  }),
);

export const repeatArbitrary: fc.Arbitrary<RepeatCommand> = fc.record({
  op: fc.constant('repeat' as const),
  back: fc.integer({ min: 0, max: 5 }),
  change: fc.constantFrom(
    'none',
    'none',
    'none',
    'none',
    'reason',
    'amount',
    'currency',
    'entryType',
    'customer',
    'otherBusiness',
    'otherBusinessOwnCustomer',
  ) as fc.Arbitrary<RepeatCommand['change']>,
});

const readArbitrary: fc.Arbitrary<ReadCommand> = owner.chain((customerOwner) =>
  fc.record({ op: fc.constant('read' as const), owner: fc.constant(customerOwner), customer: customerIndex, actor: actorFor(customerOwner) }),
);

const listArbitrary: fc.Arbitrary<ListCommand> = owner.chain((customerOwner) =>
  fc.record({
    op: fc.constant('list' as const),
    owner: fc.constant(customerOwner),
    customer: customerIndex,
    actor: actorFor(customerOwner),
    currency: fc.option(fc.constantFrom(...currencies), { freq: 2 }),
    pageSize: fc.integer({ min: 1, max: 6 }),
    pageNumber: fc.integer({ min: 0, max: 5 }),
  }),
);

const groupArbitrary: fc.Arbitrary<GroupCommand> = fc.record({
  op: fc.constant('group' as const),
  items: fc.array(
    fc.oneof({ weight: 6, arbitrary: postArbitrary }, { weight: 2, arbitrary: repeatArbitrary }, { weight: 1, arbitrary: readArbitrary }),
    { minLength: 2, maxLength: 6 },
  ),
});

export const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant('create' as const), owner }) },
  { weight: 10, arbitrary: postArbitrary },
  { weight: 4, arbitrary: repeatArbitrary },
  { weight: 2, arbitrary: readArbitrary },
  { weight: 2, arbitrary: listArbitrary },
  { weight: 3, arbitrary: groupArbitrary },
);

export function sequenceArbitrary(lengthMax: number): fc.Arbitrary<Command[]> {
  return fc.array(commandArbitrary, { minLength: 1, maxLength: lengthMax });
}
