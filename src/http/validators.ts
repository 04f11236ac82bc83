// The Ajv validators behind every route schema: strict for bodies, coercing for query strings and paths, and one
// date-time format (src/http/date-time.ts) that accepts only timestamps Coffer can hold and serve exactly.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { dateTimeFormat } from './date-time.ts';

function ajvWith(options: { coerceTypes: boolean; useDefaults: boolean }) {
  const ajv = addFormats.default(new Ajv.default({ ...options, removeAdditional: false, strict: false, allErrors: false }));
  ajv.addFormat('date-time', dateTimeFormat);
  return ajv;
}

/** Bodies are validated strictly (no coercion, unknown fields rejected); query strings and paths coerce strings to numbers. */
export function validatorCompilers() {
  const strict = ajvWith({ coerceTypes: false, useDefaults: false });
  const coercing = ajvWith({ coerceTypes: true, useDefaults: true });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}
