// HTTP routes of analytics (Coffer extensions): statements, trends, forecasts, business reports and the business's
// settings. Balances at an instant are the wallets route's as_of parameter (ledger-routes.ts).
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  ActivityQuery,
  ActivityReport,
  BreakageQuery,
  BreakageReport,
  BusinessSettings,
  BusinessSettingsPatch,
  DayRangeQuery,
  ForecastResponse,
  LiabilityQuery,
  LiabilityReport,
  Statement,
  StatementQuery,
  TopCustomersQuery,
  TopCustomersReport,
  Trend,
  WalletParams,
} from '../analytics/analytics-schemas.ts';
import type { AnalyticsService } from '../analytics/analytics-service.ts';
import { statementContentSecurityPolicy, statementCsv, statementHtml } from '../analytics/statement-formats.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { CustomerIdParams } from '../ledger/ledger-schemas.ts';

const stored = (text: string) => new Date(text).toISOString();

/** The chunks' UTF-8 text in one buffer, written chunk by chunk (no string of the whole text). */
function utf8Buffer(chunks: readonly string[]): Buffer {
  let size = 0;
  for (const chunk of chunks) size += Buffer.byteLength(chunk);
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (const chunk of chunks) at += body.write(chunk, at);
  return body;
}

export const analyticsRoutes =
  (service: AnalyticsService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const extension = { 'x-coffer-extension': true };
    const read = { config: { access: 'read' as const } };

    app.get(
      '/customers/:customer_id/wallets/statement',
      {
        ...read,
        schema: {
          ...extension,
          tags: ['Analytics'],
          summary: "A wallet's statement over [from, to): opening and closing balance, entries, totals by event type; JSON, CSV or printable HTML (Coffer extension)",
          params: CustomerIdParams,
          querystring: StatementQuery,
          response: { 200: Statement, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const { customer_id } = request.params;
        const { currency, format = 'json' } = request.query;
        const [from, to] = [stored(request.query.from), stored(request.query.to)];
        const businessId = request.principal.businessId;
        if (format === 'json') {
          // Serialized by the database and the service (analytics-service.ts statementJson), in the 200 schema's shape.
          const result = await service.statementJson(businessId, customer_id, currency, from, to);
          if (!result.ok) return sendErr(reply, result);
          return (reply as unknown as FastifyReply).type('application/json; charset=utf-8').send(utf8Buffer(result.value));
        }
        // Not the JSON statement: the body is text the schema does not describe (the 200 schema is the JSON form's).
        const raw = reply as unknown as FastifyReply;
        if (format === 'csv') {
          const bounds = await service.statementBounds(businessId, customer_id, currency, from, to);
          if (!bounds.ok) return sendErr(reply, bounds);
          const entries = service.statementEntries({ customerId: customer_id, currency }, bounds.value.firstSeq, bounds.value.lastSeq);
          const name = `statement-${customer_id}-${currency}-${from.slice(0, 10)}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
          return raw.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(Readable.from(statementCsv(entries)));
        }
        const result = await service.statement(businessId, customer_id, currency, from, to);
        if (!result.ok) return sendErr(reply, result);
        const { entries, ...header } = result.value;
        return raw
          .headers({ 'content-security-policy': statementContentSecurityPolicy, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' })
          .type('text/html; charset=utf-8')
          .send(statementHtml(header, entries));
      },
    );

    app.get(
      '/customers/:customer_id/wallets/:currency/trend',
      {
        ...read,
        schema: { ...extension, tags: ['Analytics'], summary: "A wallet's closing balance on each local day of [from, to) (Coffer extension)", params: WalletParams, querystring: DayRangeQuery, response: { 200: Trend, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { customer_id, currency } = request.params;
        const result = await service.trend(request.principal.businessId, customer_id, currency, request.query.from, request.query.to);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/customers/:customer_id/wallets/:currency/forecast',
      {
        ...read,
        schema: { ...extension, tags: ['Analytics'], summary: "A wallet's burn rate, projected depletion and how far to trust it (Coffer extension)", params: WalletParams, response: { 200: ForecastResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { customer_id, currency } = request.params;
        const result = await service.forecast(request.principal.businessId, customer_id, currency);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    const reports = { ...extension, tags: ['Reports'] };
    app.get(
      '/reports/activity',
      { ...read, schema: { ...reports, summary: 'Credits and debits per day, week or month and per event type (Coffer extension)', querystring: ActivityQuery, response: { 200: ActivityReport, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const { from, to, period = 'day', currency } = request.query;
        const result = await service.activityReport(request.principal.businessId, { from, to, period, currency });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/reports/top-customers',
      { ...read, schema: { ...reports, summary: 'Customers by what their debits took in [from, to), expirations aside (Coffer extension)', querystring: TopCustomersQuery, response: { 200: TopCustomersReport, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const result = await service.topCustomersReport(request.principal.businessId, request.query);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/reports/liability',
      { ...read, schema: { ...reports, summary: 'What the wallets held at the end of a local day, per currency, paid and promotional (Coffer extension)', querystring: LiabilityQuery, response: { 200: LiabilityReport, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const result = await service.liabilityReport(request.principal.businessId, request.query.date);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/reports/breakage',
      { ...read, schema: { ...reports, summary: 'What expired per period and currency, and how much of it was promotional (Coffer extension)', querystring: BreakageQuery, response: { 200: BreakageReport, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const { from, to, period = 'month' } = request.query;
        const result = await service.breakageReport(request.principal.businessId, { from, to, period });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    const settings = { ...extension, tags: ['Business settings'] };
    app.get(
      '/business/settings',
      { ...read, schema: { ...settings, summary: "The business's settings: its time zone (Coffer extension)", response: { 200: BusinessSettings, '4xx': ErrorResponse } } },
      async (request) => ({ time_zone: await service.timeZone(request.principal.businessId) }),
    );

    app.patch(
      '/business/settings',
      {
        config: { access: 'write' },
        schema: { ...settings, summary: "Change the business's settings: its time zone, which day buckets follow (Coffer extension)", body: BusinessSettingsPatch, response: { 200: BusinessSettings, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const businessId = request.principal.businessId;
        if (request.body.time_zone === undefined) return { time_zone: await service.timeZone(businessId) };
        const result = await service.setTimeZone(businessId, request.body.time_zone);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
