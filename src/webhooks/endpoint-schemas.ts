// Wire schemas of webhook endpoint management, in the shapes of the official SDK's `client.webhooks.*` (WebhookDetails,
// WebhookCreateParams, …): they validate requests, serialize responses and make the OpenAPI entries.
import { type Static, Type } from '@sinclair/typebox';
import { outboxEventTypes } from '../outbox/event-types.ts';
import { webhookUrlLengthMax } from './url-guard.ts';

export const webhookEndpointsMax = 50;
export const descriptionLengthMax = 500;
export const metadataPairsMax = 50;
export const metadataKeyLengthMax = 40;
export const metadataValueLengthMax = 500;
export const headersMax = 20;
export const headerNameLengthMax = 128;
export const headerValueLengthMax = 2048;
export const filterTypesMax = 64;
export const eventTypeLengthMax = 64;
export const rateLimitMax = 10_000;
export const listLimitDefault = 50;
export const listLimitMax = 100;
export const overlapSecondsDefault = 86_400;
export const overlapSecondsMax = 604_800;
export const webhookIdLengthMax = 64;

/** Text without C0 control characters other than tab, newline and carriage return, and without DEL. */
const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
/** No control characters at all (a URL parser would silently drop tabs and newlines). */
const noControlCharacters = '^[^\\u0000-\\u001F\\u007F]*$';
/** An HTTP field name (RFC 9110 token). */
const headerNamePattern = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/** Visible ASCII with inner spaces and tabs: what every HTTP client sends unchanged (no CR/LF, no edge whitespace). */
const headerValuePattern = '^(?:[\\x21-\\x7E](?:[\\t\\x20-\\x7E]*[\\x21-\\x7E])?)?$';

export const WebhookIdParams = Type.Object(
  { webhook_id: Type.String({ minLength: 1, maxLength: webhookIdLengthMax, pattern: printableText, description: 'Webhook endpoint id, whk_…' }) },
  { additionalProperties: false },
);

const Url = Type.String({
  minLength: 1,
  maxLength: webhookUrlLengthMax,
  pattern: noControlCharacters,
  examples: ['https://example.com/webhooks/coffer'],
  description:
    'Absolute http or https URL without credentials. Loopback, private, link-local and metadata addresses are refused unless COFFER_WEBHOOK_ALLOW_PRIVATE_URLS is set.',
});

const Description = Type.String({
  maxLength: descriptionLengthMax,
  pattern: printableText,
  examples: ['Wallet balance changes'],
  description: `At most ${descriptionLengthMax} characters.`,
});

const Metadata = Type.Record(Type.String(), Type.String({ maxLength: metadataValueLengthMax }), {
  maxProperties: metadataPairsMax,
  propertyNames: { minLength: 1, maxLength: metadataKeyLengthMax },
  examples: [{ team: 'billing' }],
  description: `String values only: up to ${metadataPairsMax} pairs, keys up to ${metadataKeyLengthMax} characters, values up to ${metadataValueLengthMax}.`,
});

const EventType = Type.String({
  minLength: 1,
  maxLength: eventTypeLengthMax,
  pattern: noControlCharacters,
  examples: [...outboxEventTypes],
  description: `An event Coffer emits: ${outboxEventTypes.join(', ')}.`,
});
const FilterTypes = Type.Array(EventType, {
  maxItems: filterTypesMax,
  uniqueItems: true,
  description: 'Only these events are delivered; empty (the default) means every event.',
});

const RateLimit = Type.Integer({ minimum: 1, maximum: rateLimitMax, examples: [50], description: `Deliveries per second at most, 1 to ${rateLimitMax}; null: no limit.` });

const HeaderName = { minLength: 1, maxLength: headerNameLengthMax, pattern: headerNamePattern };
const HeaderValue = Type.String({ maxLength: headerValueLengthMax, pattern: headerValuePattern });
const Headers = Type.Record(Type.String(), HeaderValue, {
  maxProperties: headersMax,
  propertyNames: HeaderName,
  examples: [{ 'X-Receiver': 'coffer' }],
  description: `Custom headers sent with every delivery: up to ${headersMax}, names HTTP tokens, values visible ASCII (no CR/LF). Names Coffer sets itself (webhook-*, content-type, host, …) are refused.`,
});

export const WebhookDetails = Type.Object({
  id: Type.String({ description: 'whk_…' }),
  created_at: Type.String({ format: 'date-time' }),
  description: Type.String(),
  metadata: Type.Record(Type.String(), Type.String()),
  updated_at: Type.String({ format: 'date-time' }),
  url: Type.String(),
  disabled: Type.Boolean({ description: 'While true, no events are delivered.' }),
  filter_types: Type.Array(Type.String(), { description: 'Empty: every event.' }),
  rate_limit: Type.Union([Type.Integer(), Type.Null()]),
});
export type WebhookDetails = Static<typeof WebhookDetails>;

export const WebhookCreateBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    disabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'Create the endpoint disabled (default false).' })),
    filter_types: Type.Optional(Type.Union([FilterTypes, Type.Null()])),
    headers: Type.Optional(Type.Union([Headers, Type.Null()])),
    idempotency_key: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 255, pattern: printableText, examples: ['webhook_billing_receiver'] }), Type.Null()], {
        description: 'A repeat with the same body returns the endpoint the first created; with another body it is refused (409).',
      }),
    ),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
    rate_limit: Type.Optional(Type.Union([RateLimit, Type.Null()])),
  },
  { additionalProperties: false },
);
export type WebhookCreateBody = Static<typeof WebhookCreateBody>;

export const WebhookUpdateBody = Type.Object(
  {
    url: Type.Optional(Type.Union([Url, Type.Null()], { description: 'null leaves the url as it is.' })),
    description: Type.Optional(Type.Union([Description, Type.Null()], { description: 'null clears it.' })),
    disabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'null leaves it as it is.' })),
    filter_types: Type.Optional(Type.Union([FilterTypes, Type.Null()], { description: 'null or []: every event.' })),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()], { description: 'Replaces the metadata; null clears it.' })),
    rate_limit: Type.Optional(Type.Union([RateLimit, Type.Null()], { description: 'null removes the limit.' })),
  },
  { additionalProperties: false },
);
export type WebhookUpdateBody = Static<typeof WebhookUpdateBody>;

export const WebhookListQuery = Type.Object(
  {
    iterator: Type.Optional(
      Type.String({ maxLength: webhookIdLengthMax, pattern: printableText, description: 'The `iterator` of the previous page; empty or absent: the first page.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: listLimitMax, default: listLimitDefault, description: `Page size, at most ${listLimitMax}.` })),
  },
  { additionalProperties: false },
);
export type WebhookListQuery = Static<typeof WebhookListQuery>;

export const WebhookListResponse = Type.Object({
  data: Type.Array(WebhookDetails),
  iterator: Type.Union([Type.String(), Type.Null()], { description: 'Pass it to get the next page; null on the last page.' }),
  done: Type.Boolean(),
  prev_iterator: Type.Null(),
});
export type WebhookListResponse = Static<typeof WebhookListResponse>;

export const WebhookSecretResponse = Type.Object({ secret: Type.String({ description: 'whsec_…: the Standard Webhooks signing key.' }) });

export const WebhookSecretRotateBody = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: overlapSecondsMax,
        default: overlapSecondsDefault,
        description: `How long deliveries are also signed with the old secret, 0 to ${overlapSecondsMax} seconds (default ${overlapSecondsDefault}).`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type WebhookSecretRotateBody = Static<typeof WebhookSecretRotateBody>;

export const WebhookSecretRotateResponse = Type.Object({
  secret: Type.String({ description: 'The new secret.' }),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Until when the old secret also signs deliveries; null when overlap_seconds was 0.',
  }),
});

export const WebhookHeadersResponse = Type.Object({
  headers: Type.Record(Type.String(), Type.String(), { description: 'Custom headers that are not sensitive, with their values.' }),
  sensitive: Type.Array(Type.String(), { description: 'Names of the sensitive custom headers; their values are never returned.' }),
});

export const WebhookHeadersUpdateBody = Type.Object(
  {
    headers: Type.Record(Type.String(), Type.Union([HeaderValue, Type.Null()]), {
      maxProperties: headersMax,
      propertyNames: HeaderName,
      examples: [{ 'X-Receiver': 'coffer-eu' }],
      description: 'Headers to add or update; a null value removes that header. Headers not named are kept.',
    }),
  },
  { additionalProperties: false },
);
export type WebhookHeadersUpdateBody = Static<typeof WebhookHeadersUpdateBody>;

export const NoContent = Type.Null({ description: 'No content.' });
