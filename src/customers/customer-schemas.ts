// Wire schemas of the customer endpoints, in Dodo's shapes.
import { type Static, Type } from '@sinclair/typebox';

export const metadataPairsMax = 50;
export const metadataKeyLengthMax = 40;
export const metadataValueLengthMax = 500;

const Metadata = Type.Record(
  Type.String(),
  Type.Union([Type.String({ maxLength: metadataValueLengthMax }), Type.Number(), Type.Boolean()]),
  {
    maxProperties: metadataPairsMax,
    propertyNames: { minLength: 1, maxLength: metadataKeyLengthMax },
    description: `Up to ${metadataPairsMax} pairs; keys up to ${metadataKeyLengthMax} characters, string values up to ${metadataValueLengthMax}.`,
  },
);

// Control characters are refused in every text input: PostgreSQL cannot store NUL, and no real value needs them.
const noControlCharacters = '^[^\\u0000-\\u001F\\u007F]*$';
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@\\u0000-\\u001F\\u007F]+@[^\\s@\\u0000-\\u001F\\u007F]+$', description: 'Email address.' });
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001F\\u007F]*$' });
const PhoneNumber = Type.String({ minLength: 1, maxLength: 32, pattern: '^\\+?[0-9 ()\\-.]{1,31}$' });

export const Customer = Type.Object({
  business_id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  customer_id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  phone_number: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
});

export const CustomerCreateBody = Type.Object(
  {
    email: Email,
    name: Name,
    metadata: Type.Optional(Metadata),
    phone_number: Type.Optional(Type.Union([PhoneNumber, Type.Null()])),
  },
  { additionalProperties: false },
);
export type CustomerCreateBody = Static<typeof CustomerCreateBody>;

export const CustomerUpdateBody = Type.Object(
  {
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
    phone_number: Type.Optional(Type.Union([PhoneNumber, Type.Null()])),
  },
  { additionalProperties: false },
);
export type CustomerUpdateBody = Static<typeof CustomerUpdateBody>;

const dateTimeDescription = 'RFC 3339 date-time with a time zone, years 0000 to 9999 UTC, at most millisecond precision, no leap second.';

export const CustomerListQuery = Type.Object(
  {
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: noControlCharacters, description: 'Exact email, case-insensitive.' })),
    name: Type.Optional(Type.String({ maxLength: 255, pattern: noControlCharacters, description: 'Partial name, case-insensitive.' })),
    created_at_gte: Type.Optional(Type.String({ format: 'date-time', description: dateTimeDescription })),
    created_at_lte: Type.Optional(Type.String({ format: 'date-time', description: dateTimeDescription })),
  },
  { additionalProperties: false },
);
export type CustomerListQuery = Static<typeof CustomerListQuery>;

export const CustomerListResponse = Type.Object({ items: Type.Array(Customer) });
