// Customer use cases: create (with one zero wallet per configured currency), retrieve, update, list.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { eventRow } from '../outbox/event-row.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, assertInvariant, err } from '../shared/result.ts';
import type { CustomerErrorCode } from './customer-errors.ts';
import * as repo from './customer-repo.ts';
import type { CustomerCreateBody, CustomerListQuery, CustomerUpdateBody } from './customer-schemas.ts';
import { type WireCustomer, toWire } from './customer-wire.ts';

export type { WireCustomer };

export interface CustomerDeps {
  db: Kysely<Database>;
  /** Currencies each new customer gets a wallet in. */
  currencies: readonly string[];
  clock: Clock;
  newId: IdGenerator;
}

const notFound = (id: string) => err('CUSTOMER_NOT_FOUND', `Customer ${id} not found`);

export class CustomerService {
  constructor(private readonly deps: CustomerDeps) {}

  async create(businessId: string, body: CustomerCreateBody): Promise<WireCustomer> {
    const now = this.deps.clock.now().toISOString();
    const row: repo.CustomerRow = {
      id: this.deps.newId(idPrefixes.customer),
      business_id: businessId,
      email: body.email,
      name: body.name,
      phone_number: body.phone_number ?? null,
      metadata: JSON.stringify(body.metadata ?? {}),
      created_at: now,
      updated_at: now,
    };
    const wallets = this.deps.currencies.map((currency) => ({
      customer_id: row.id,
      currency,
      business_id: businessId,
      balance: 0,
      entry_count: 0,
      created_at: now,
      updated_at: now,
      next_expiry_at: null,
      held_amount: 0,
      pool_in: 0,
      pool_out: 0,
      pool_held: 0,
    }));
    const wire = toWire(row);
    // The body passed its schema and the JSON parser's checks, so the row must be servable.
    assertInvariant(wire.ok, `new customer ${row.id} would not be servable`);
    const created = eventRow({
      id: this.deps.newId(idPrefixes.event),
      businessId,
      type: 'customer.created',
      customerId: row.id,
      createdAt: now,
      data: { payload_type: 'Customer', ...wire.value },
    });
    // One transaction: the customer, its wallets and the event that reports it.
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertCustomer(trx, row);
      await repo.insertWallets(trx, wallets);
      await insertEvents(trx, [created]);
    });
    return wire.value;
  }

  async retrieve(businessId: string, customerId: string): Promise<Result<WireCustomer, CustomerErrorCode>> {
    const row = await repo.findCustomer(this.deps.db, businessId, customerId);
    return row ? toWire(row) : notFound(customerId);
  }

  /** `null` for email or name leaves them as they are; `null` clears phone_number and metadata. */
  async update(businessId: string, customerId: string, body: CustomerUpdateBody): Promise<Result<WireCustomer, CustomerErrorCode>> {
    const existing = await repo.findCustomer(this.deps.db, businessId, customerId);
    if (!existing) return notFound(customerId);
    const changes: Parameters<typeof repo.updateCustomer>[3] = {};
    if (body.email != null) changes.email = body.email;
    if (body.name != null) changes.name = body.name;
    if (body.phone_number !== undefined) changes.phone_number = body.phone_number;
    if (body.metadata !== undefined) changes.metadata = JSON.stringify(body.metadata ?? {});
    // A stored row that cannot be served is refused unless this update repairs it (for instance, new metadata).
    const updated = toWire({ ...existing, ...changes });
    if (!updated.ok) return updated;
    if (Object.keys(changes).length > 0) {
      changes.updated_at = this.deps.clock.now().toISOString();
      await repo.updateCustomer(this.deps.db, businessId, customerId, changes);
    }
    return updated;
  }

  /** Rows that cannot be served are left out of the page, and their ids returned in `skipped`, so the page still answers. */
  async list(businessId: string, query: CustomerListQuery): Promise<{ items: WireCustomer[]; skipped: string[] }> {
    const pageSize = query.page_size ?? 10;
    const pageNumber = query.page_number ?? 0;
    const rows = await repo.listCustomers(
      this.deps.db,
      businessId,
      {
        email: query.email,
        namePattern: query.name === undefined ? undefined : repo.likeContains(query.name),
        createdAtGte: query.created_at_gte === undefined ? undefined : new Date(query.created_at_gte).toISOString(),
        createdAtLte: query.created_at_lte === undefined ? undefined : new Date(query.created_at_lte).toISOString(),
      },
      pageNumber * pageSize,
      pageSize,
    );
    const items: WireCustomer[] = [];
    const skipped: string[] = [];
    for (const row of rows) {
      const wire = toWire(row);
      if (wire.ok) items.push(wire.value);
      else skipped.push(row.id);
    }
    return { items, skipped };
  }
}
