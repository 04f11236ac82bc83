// Reads Coffer's own /openapi.json into the operations the fuzzer drives: method, path, parameters, body and
// documented responses. Every route added later is fuzzed from its schema, with no new test code.

export type JsonSchema = Record<string, any>;

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. /customers/{customer_id}. */
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema: JsonSchema; required: boolean }>;
  body: JsonSchema | null;
  /** Documented responses by status key as written ("200", "4XX"). */
  responses: Map<string, JsonSchema>;
  /** Statuses documented without a body (a 204). */
  noContent: Set<string>;
  /** True when the operation needs an API key (the document's global security applies). */
  secured: boolean;
  /** Writes need a read-write key. */
  writes: boolean;
}

export function operationsOf(document: JsonSchema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<JsonSchema>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<JsonSchema>(methods)) {
      const parameters: JsonSchema[] = operation.parameters ?? [];
      const responses = new Map<string, JsonSchema>();
      const noContent = new Set<string>();
      for (const [status, response] of Object.entries<JsonSchema>(operation.responses ?? {})) {
        const schema = response.content?.['application/json']?.schema;
        if (schema) responses.set(status, schema);
        else if (response.content === undefined) noContent.add(status);
      }
      const security = operation.security ?? document.security ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })),
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
        responses,
        noContent,
        secured: security.length > 0,
        writes: !['GET', 'HEAD'].includes(method.toUpperCase()),
      });
    }
  }
  return operations;
}

/** The documented schema for a status: the exact code, then its class ("4XX"), then "default". */
export function responseSchema(operation: Operation, status: number): JsonSchema | undefined {
  return operation.responses.get(String(status)) ?? operation.responses.get(`${String(status)[0]}XX`) ?? operation.responses.get('default');
}
