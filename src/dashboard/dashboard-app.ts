// The dashboard at /dashboard as one Fastify plugin: sign-in sessions, CSRF checks, security headers, assets, and each
// page module's routes. Hidden from the OpenAPI document; the API's bearer auth does not apply (access: public), the
// session does: every request reads its session (in the database) with its API key, which must not be revoked.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate.ts';
import { randomBase62 } from '../shared/ids.ts';
import { assetCache } from './assets.ts';
import { invoicePage, invoicesPage, paymentPdf, paymentsPage, voidInvoiceAction } from './billing-pages.ts';
import { eventsPage, lowBalancePage } from './business-pages.ts';
import { type DashboardServices, type PageAnswer, type SignedIn, field } from './context.ts';
import { customerPage } from './customer-page.ts';
import { customersPage } from './customers-page.ts';
import { postEntryAction } from './entry-action.ts';
import { releaseHoldAction } from './hold-action.ts';
import { type Session, SessionStore, cookieHeader, parseCookies, sameSecret, sessionCookieName, signInCookieName } from './sessions.ts';
import { paymentPage, refundAction, refundPage, refundsPage } from './refunds-page.ts';
import { type ReportName, reportCsv, reportNames, reportsPage } from './reports-page.ts';
import { refusedPage, signInPage } from './sign-in-page.ts';
import { subscriptionsPage } from './subscriptions-page.ts';
import { endpointPage, redeliverAction, webhooksPage } from './webhooks-page.ts';

export interface DashboardDeps extends DashboardServices {
  authenticator: Authenticator;
  /** How long a sign-in lasts (COFFER_DASHBOARD_SESSION_MS). */
  sessionMs: number;
}

/** Most live sessions one API key holds (a script signing in in a loop cannot fill the table). */
export const sessionsPerKeyMax = 100;
/** Largest form body the dashboard reads (its forms send well under 2 KB). */
export const formBytesMax = 16_384;
const signInTokenSeconds = 3600;

/** No inline script or style, nothing from another origin, no framing, forms post only here. */
export const dashboardContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** For the invoice PDF: nothing loads from it, and it cannot be framed elsewhere. */
export const pdfContentSecurityPolicy = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const securityHeaders = {
  'content-security-policy': dashboardContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const htmlType = 'text/html; charset=utf-8';
const routeOptions = { config: { access: 'public' as const }, schema: { hide: true } };

type Handler = (signedIn: SignedIn, request: FastifyRequest) => Promise<PageAnswer>;

export const dashboardRoutes =
  (deps: DashboardDeps): FastifyPluginAsync =>
  async (app: FastifyInstance) => {
    const sessions = new SessionStore(deps.db, deps.clock, { lifetimeMs: deps.sessionMs, sessionsPerKeyMax });
    const asset = assetCache();
    const secure = (request: FastifyRequest) => request.protocol === 'https';

    // Forms post url-encoded bodies: parsed here, for the dashboard's routes only (the API reads JSON alone).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: formBytesMax }, (_request, body, done) => {
      const fields: Record<string, string> = {};
      for (const [name, value] of new URLSearchParams(body as string)) if (!Object.hasOwn(fields, name)) fields[name] = value;
      done(null, fields);
    });
    app.addHook('onSend', async (request, reply) => {
      reply.headers(securityHeaders);
      // A PDF is shown by the browser's own viewer, which a page's policy (no plugins, no frames) would block.
      if (String(reply.getHeader('content-type') ?? '').startsWith('application/pdf')) reply.header('content-security-policy', pdfContentSecurityPolicy);
      if (!request.url.startsWith('/dashboard/assets/')) reply.headers({ 'cache-control': 'no-store', vary: 'HX-Request, HX-Target' });
    });

    const sessionOf = (request: FastifyRequest): Promise<Session | undefined> => sessions.find(parseCookies(request.headers.cookie)[sessionCookieName]);

    async function signedIn(request: FastifyRequest): Promise<{ session: Session; who: SignedIn } | undefined> {
      // Read with its key, every request: a revoked key ends its sessions at once, on every process.
      const session = await sessionOf(request);
      if (!session) return undefined;
      const target = request.headers['hx-target'];
      return {
        session,
        who: {
          principal: session.principal,
          viewer: { businessName: session.businessName, readOnly: session.principal.access !== 'read_write', csrfToken: session.csrfToken },
          // A history restore (the back button, htmx keeps no copies) wants the whole page, as a first load does.
          htmx: request.headers['hx-request'] === 'true' && request.headers['hx-history-restore-request'] !== 'true',
          target: typeof target === 'string' ? target : undefined,
        },
      };
    }

    function toSignIn(request: FastifyRequest, reply: FastifyReply) {
      // htmx follows HX-Redirect with a whole-page load; a plain request gets a 303.
      if (request.headers['hx-request'] === 'true') return reply.header('hx-redirect', '/dashboard/sign-in').code(204).send();
      return reply.redirect('/dashboard/sign-in', 303);
    }

    const send = (reply: FastifyReply, answer: PageAnswer) => reply.code(answer.status ?? 200).type(htmlType).send(String(answer.body));

    /** A page: signed in, or sent to the sign-in form. */
    const view = (handler: Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
      const found = await signedIn(request);
      if (!found) return toSignIn(request, reply);
      return send(reply, await handler(found.who, request));
    };

    /** An action: signed in, and carrying the session's CSRF token (form field `_csrf` or header X-CSRF-Token). */
    const action = (handler: Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
      const found = await signedIn(request);
      if (!found) return toSignIn(request, reply);
      const header = request.headers['x-csrf-token'];
      const token = field(request.body, '_csrf', 100) ?? (typeof header === 'string' ? header : undefined);
      if (!sameSecret(token, found.session.csrfToken)) {
        const message = 'This request did not come from a dashboard page of your session (its CSRF token is missing or wrong), so nothing was done. Reload the page and try again.';
        return reply.code(403).type(htmlType).send(String(refusedPage(message)));
      }
      return send(reply, await handler(found.who, request));
    };

    app.get('/dashboard', routeOptions, async (request, reply) => reply.redirect((await sessionOf(request)) ? '/dashboard/customers' : '/dashboard/sign-in', 303));
    app.get('/dashboard/', routeOptions, async (_request, reply) => reply.redirect('/dashboard', 301));

    app.get('/dashboard/sign-in', routeOptions, async (request, reply) => {
      if (await sessionOf(request)) return reply.redirect('/dashboard/customers', 303);
      const token = randomBase62(32);
      reply.header('set-cookie', cookieHeader(signInCookieName, token, { secure: secure(request), maxAgeSeconds: signInTokenSeconds }));
      const notice = field(request.query, 'signed_out', 1) === '1' ? 'You are signed out.' : undefined;
      return reply.type(htmlType).send(String(signInPage({ csrfToken: token, notice })));
    });

    app.post('/dashboard/sign-in', routeOptions, async (request, reply) => {
      const expected = parseCookies(request.headers.cookie)[signInCookieName];
      const fresh = randomBase62(32);
      const again = (status: number, error: string) =>
        reply
          .code(status)
          .header('set-cookie', cookieHeader(signInCookieName, fresh, { secure: secure(request), maxAgeSeconds: signInTokenSeconds }))
          .type(htmlType)
          .send(String(signInPage({ csrfToken: fresh, error })));
      // A double-submit token: the form's hidden field must match the cookie set with the form.
      if (expected === undefined || !sameSecret(field(request.body, '_csrf', 100), expected)) {
        return again(403, 'The sign-in form expired or did not come from this dashboard; enter the API key again.');
      }
      const apiKey = (field(request.body, 'api_key', 200) ?? '').trim();
      if (apiKey === '') return again(422, 'Enter an API key.');
      const auth = await deps.authenticator.authenticate(`Bearer ${apiKey}`);
      if (!auth.ok) return again(401, 'That API key is not valid, or it was revoked.');
      // A fresh session id at every sign-in; the one this browser had before (if any) ends.
      const previous = parseCookies(request.headers.cookie)[sessionCookieName];
      if (previous !== undefined) await sessions.delete(previous);
      const session = await sessions.create(auth.value);
      return reply
        .header('set-cookie', [
          cookieHeader(sessionCookieName, session.token, { secure: secure(request), maxAgeSeconds: Math.floor(deps.sessionMs / 1000) }),
          cookieHeader(signInCookieName, '', { secure: secure(request), maxAgeSeconds: 0 }),
        ])
        .redirect('/dashboard/customers', 303);
    });

    app.post('/dashboard/sign-out', routeOptions, async (request, reply) => {
      const session = await sessionOf(request);
      if (session) {
        if (!sameSecret(field(request.body, '_csrf', 100), session.csrfToken)) {
          return reply.code(403).type(htmlType).send(String(refusedPage('Sign-out refused: the form did not carry your session’s CSRF token. Reload the page and try again.')));
        }
        await sessions.delete(session.token);
      }
      return reply
        .header('set-cookie', cookieHeader(sessionCookieName, '', { secure: secure(request), maxAgeSeconds: 0 }))
        .redirect('/dashboard/sign-in?signed_out=1', 303);
    });

    // Each page module's routes; an area that lands adds its lines here and its entry in dashboardAreas (layout.ts).
    const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name];
    app.get('/dashboard/customers', routeOptions, view((who, request) => customersPage(deps, who, request.query)));
    app.get('/dashboard/customers/:customer_id', routeOptions, view((who, request) => customerPage(deps, who, param(request, 'customer_id'), request.query)));
    app.post('/dashboard/customers/:customer_id/entries', routeOptions, action((who, request) => postEntryAction(deps, who, param(request, 'customer_id'), request.body)));
    app.post('/dashboard/customers/:customer_id/holds/:hold_id/release', routeOptions, action((who, request) => releaseHoldAction(deps, who, param(request, 'customer_id'), param(request, 'hold_id'))));
    app.get('/dashboard/invoices', routeOptions, view((who, request) => invoicesPage(deps, who, request.query)));
    app.get('/dashboard/invoices/:invoice_id', routeOptions, view((who, request) => invoicePage(deps, who, param(request, 'invoice_id'))));
    app.post('/dashboard/invoices/:invoice_id/void', routeOptions, action((who, request) => voidInvoiceAction(deps, who, param(request, 'invoice_id'))));
    app.get('/dashboard/payments', routeOptions, view((who, request) => paymentsPage(deps, who, request.query)));
    app.get('/dashboard/payments/:payment_id', routeOptions, view((who, request) => paymentPage(deps, who, param(request, 'payment_id'))));
    app.post('/dashboard/payments/:payment_id/refunds', routeOptions, action((who, request) => refundAction(deps, who, param(request, 'payment_id'), request.body)));
    app.get('/dashboard/refunds', routeOptions, view((who, request) => refundsPage(deps, who, request.query)));
    app.get('/dashboard/refunds/:refund_id', routeOptions, view((who, request) => refundPage(deps, who, param(request, 'refund_id'))));
    app.get('/dashboard/subscriptions', routeOptions, view((who, request) => subscriptionsPage(deps, who, request.query)));
    app.get('/dashboard/payments/:payment_id/invoice.pdf', routeOptions, async (request, reply) => {
      const found = await signedIn(request);
      if (!found) return toSignIn(request, reply);
      const document = await paymentPdf(deps, found.who, param(request, 'payment_id'));
      if (!document) return send(reply, { status: 404, body: refusedPage('No payment with this id in your business.') });
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${document.fileName}"`).send(document.pdf);
    });
    app.get('/dashboard/reports', routeOptions, view((who, request) => reportsPage(deps, who, request.query)));
    app.get('/dashboard/reports/:report', routeOptions, async (request, reply) => {
      const found = await signedIn(request);
      if (!found) return toSignIn(request, reply);
      const name = /^([a-z]+)\.csv$/.exec(param(request, 'report'))?.[1];
      if (!name || !(reportNames as readonly string[]).includes(name)) return send(reply, { status: 404, body: refusedPage('No such report.') });
      const csv = await reportCsv(deps, found.who, name as ReportName, request.query);
      if (!csv.ok) return reply.code(400).type('text/plain; charset=utf-8').send(`${csv.message}.\n`);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${csv.fileName}"`).send(Readable.from(csv.lines));
    });
    app.get('/dashboard/low-balance', routeOptions, view((who, request) => lowBalancePage(deps, who, request.query)));
    app.get('/dashboard/events', routeOptions, view((who) => eventsPage(deps, who)));
    app.get('/dashboard/webhooks', routeOptions, view((who, request) => webhooksPage(deps, who, request.query)));
    app.get('/dashboard/webhooks/:webhook_id', routeOptions, view((who, request) => endpointPage(deps, who, param(request, 'webhook_id'), request.query)));
    app.post('/dashboard/webhooks/:webhook_id/redeliver', routeOptions, action((who, request) => redeliverAction(deps, who, param(request, 'webhook_id'), request.body)));

    app.get('/dashboard/assets/:name', routeOptions, async (request, reply) => {
      const found = await asset(param(request, 'name'));
      if (!found) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
      return reply.header('cache-control', 'public, max-age=3600').type(found.type).send(found.body);
    });
  };
