// The error envelope as a schema, for the OpenAPI document and response serialization.
import { Type } from '@sinclair/typebox';
import { errorStatus } from './errors.ts';

export const ErrorResponse = Type.Object(
  {
    code: Type.Union(Object.keys(errorStatus).map((code) => Type.Literal(code))),
    message: Type.String(),
  },
  { additionalProperties: true, description: 'Error envelope; some codes carry extra fields (see docs/errors.md).' },
);
