// Queries built and compiled once per database handle, then run with new parameter values: Kysely otherwise builds
// and compiles a query's AST on every call (~10% of a hot read's CPU). Same query builder, so one code path on both stores.
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

const markerPrefix = '\u0000coffer-parameter:';

/**
 * `build(db, p)` returns a query written with `p.name` where a value goes; the result runs it with `values`. Values
 * must stand where Kysely makes them bound parameters (comparisons, limits), not inside identifiers.
 */
export function preparedQuery<Name extends string, Row>(
  names: readonly Name[],
  build: (db: Executor, p: Record<Name, never>) => { compile(): CompiledQuery<Row> },
): (db: Executor, values: Record<Name, unknown>) => Promise<Row[]> {
  const markers = Object.fromEntries(names.map((name) => [name, `${markerPrefix}${name}`])) as Record<Name, never>;
  const compiled = new WeakMap<object, { query: CompiledQuery<Row>; slots: Array<Name | null> }>();
  return async (db, values) => {
    // Keyed by the dialect's adapter (one per database handle, shared by its transactions): the SQL depends on it alone.
    const cacheKey = (db as unknown as { getExecutor?: () => { adapter?: object } }).getExecutor?.().adapter ?? db;
    let entry = compiled.get(cacheKey);
    if (!entry) {
      const query = build(db, markers).compile();
      const slots = query.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(markerPrefix) ? (value.slice(markerPrefix.length) as Name) : null,
      );
      entry = { query, slots };
      compiled.set(cacheKey, entry);
    }
    const { query, slots } = entry;
    const parameters = query.parameters.map((value, index) => (slots[index] === null ? value : values[slots[index]!]));
    const result = await db.executeQuery<Row>({ ...query, parameters });
    return result.rows;
  };
}
