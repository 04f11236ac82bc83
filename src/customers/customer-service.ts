// Customer use cases: create (with one zero wallet per configured currency), retrieve, update, list.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { CustomerErrorCode } from './customer-errors.ts';
import * as repo from './customer-repo.ts';
import type { CustomerCreateBody, CustomerListQuery, CustomerUpdateBody } from './customer-schemas.ts';

export interface CustomerDeps {
  db: Kysely<Database>;
  /** Currencies each new customer gets a wallet in. */
  currencies: readonly string[];
  clock: Clock;
  newId: IdGenerator;
}

export interface WireCustomer {
  business_id: string;
  created_at: string;
  customer_id: string;
  email: string;
  name: string;
  phone_number: string | null;
  metadata: Record<string, string | number | boolean>;
}

function toWire(row: repo.CustomerRow): WireCustomer {
  return {
    business_id: row.business_id,
    created_at: row.created_at,
    customer_id: row.id,
    email: row.email,
    name: row.name,
    phone_number: row.phone_number,
    metadata: JSON.parse(row.metadata),
  };
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
    }));
    // One transaction: the customer, its wallets (and, as they land, the events that report it).
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertCustomer(trx, row);
      await repo.insertWallets(trx, wallets);
    });
    return toWire(row);
  }

  async retrieve(businessId: string, customerId: string): Promise<Result<WireCustomer, CustomerErrorCode>> {
    const row = await repo.findCustomer(this.deps.db, businessId, customerId);
    return row ? ok(toWire(row)) : notFound(customerId);
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
    if (Object.keys(changes).length > 0) {
      changes.updated_at = this.deps.clock.now().toISOString();
      await repo.updateCustomer(this.deps.db, businessId, customerId, changes);
    }
    return ok(toWire({ ...existing, ...changes }));
  }

  async list(businessId: string, query: CustomerListQuery): Promise<{ items: WireCustomer[] }> {
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
    return { items: rows.map(toWire) };
  }
}
