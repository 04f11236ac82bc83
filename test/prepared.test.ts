// preparedQuery: a query built and compiled once per store, run with each call's values, on both stores.
import { describe, expect, it } from 'vitest';
import { preparedQuery } from '../src/db/prepared.ts';
import { createTestDatabase, openTestStore, storeKinds } from './support/stores.ts';

describe.each(storeKinds)('preparedQuery [%s]', (kind) => {
  it('builds once, then binds each call’s values (in a transaction too)', async () => {
    const database = await createTestDatabase(kind);
    const { store } = await openTestStore(database);
    try {
      let builds = 0;
      const byName = preparedQuery(['name', 'limit'], (db, p) => {
        builds += 1;
        return db.selectFrom('businesses').select(['id', 'name']).where('name', '=', p.name).orderBy('id').limit(p.limit);
      });
      const at = '2026-12-01T00:00:00.000Z';
      await store.db.insertInto('businesses').values([
        { id: 'bus_1', name: 'Ada', created_at: at },
        { id: 'bus_2', name: 'Ada', created_at: at },
        { id: 'bus_3', name: "O'Brien; drop table x --", created_at: at },
      ]).execute();
      expect(await byName(store.db, { name: 'Ada', limit: 5 })).toEqual([{ id: 'bus_1', name: 'Ada' }, { id: 'bus_2', name: 'Ada' }]);
      expect(await byName(store.db, { name: 'Ada', limit: 1 })).toEqual([{ id: 'bus_1', name: 'Ada' }]);
      expect(await byName(store.db, { name: "O'Brien; drop table x --", limit: 5 })).toEqual([{ id: 'bus_3', name: "O'Brien; drop table x --" }]);
      await store.db.transaction().execute(async (trx) => {
        expect(await byName(trx, { name: 'nobody', limit: 5 })).toEqual([]);
      });
      expect(builds).toBe(1);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
