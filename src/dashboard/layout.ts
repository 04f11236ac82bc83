// The page frame every dashboard page shares: head (assets, htmx settings), header with the nav and sign-out, main.
import { type HtmlValue, type SafeHtml, html } from './html.ts';

/** One area of the dashboard, listed in the nav. A feature that lands adds its page module and its area here. */
export interface DashboardArea {
  id: string;
  title: string;
  path: string;
}

/** Every area of the dashboard, in the nav's order. */
export const dashboardAreas: readonly DashboardArea[] = [
  { id: 'customers', title: 'Customers', path: '/dashboard/customers' },
  { id: 'low-balance', title: 'Low balances', path: '/dashboard/low-balance' },
  { id: 'invoices', title: 'Invoices', path: '/dashboard/invoices' },
  { id: 'payments', title: 'Payments', path: '/dashboard/payments' },
  { id: 'refunds', title: 'Refunds', path: '/dashboard/refunds' },
  { id: 'subscriptions', title: 'Subscriptions', path: '/dashboard/subscriptions' },
  { id: 'reports', title: 'Reports', path: '/dashboard/reports' },
  { id: 'webhooks', title: 'Webhooks', path: '/dashboard/webhooks' },
  { id: 'events', title: 'Events', path: '/dashboard/events' },
];

/** Who is looking, as every page shows it. */
export interface Viewer {
  businessName: string;
  readOnly: boolean;
  csrfToken: string;
}

/**
 * htmx reads its settings from this meta element (no inline script, so the CSP needs no 'unsafe-inline'): no eval, no
 * inline styles of its own, no page copies in localStorage, and 4xx answers swapped in too, so that a refused form
 * shows its message next to the form.
 */
const htmxConfig = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '4..', swap: true, error: false },
    { code: '...', swap: false, error: true },
  ],
});

function head(title: string): SafeHtml {
  return html`<head>
<meta charset="utf-8">
<title>${title} · Coffer dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${htmxConfig}">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/uPlot.min.css">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/htmx.min.js" defer></script>
<script src="/dashboard/assets/uPlot.iife.min.js" defer></script>
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>`;
}

/** A whole page for a signed-in viewer. */
export function page(options: { title: string; area: string; viewer: Viewer; body: HtmlValue }): SafeHtml {
  const { viewer } = options;
  const nav = dashboardAreas.map(
    (area) => html`<li><a href="${area.path}"${area.id === options.area ? html` aria-current="page"` : ''}>${area.title}</a></li>`,
  );
  const csrfHeader = JSON.stringify({ 'x-csrf-token': viewer.csrfToken });
  return html`<!doctype html>
<html lang="en">
${head(options.title)}
<body hx-headers="${csrfHeader}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand"><a href="/dashboard">Coffer</a> <span class="business">${viewer.businessName}${viewer.readOnly ? ' · read-only key' : ''}</span></p>
<nav aria-label="Dashboard"><ul>${nav}</ul></nav>
<form method="post" action="/dashboard/sign-out" class="sign-out">
<input type="hidden" name="_csrf" value="${viewer.csrfToken}">
<button type="submit">Sign out</button>
</form>
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
</body>
</html>
`;
}

/** A page for someone not signed in (the sign-in form, a refusal). */
export function plainPage(title: string, body: HtmlValue): SafeHtml {
  return html`<!doctype html>
<html lang="en">
${head(title)}
<body>
<main id="main" class="narrow">
${body}
</main>
</body>
</html>
`;
}

/** Previous / next links of a paged list. */
export function pager(options: { label: string; previous?: string; next?: string }): SafeHtml {
  if (!options.previous && !options.next) return html``;
  return html`<nav class="pager" aria-label="${options.label}">
${options.previous ? html`<a href="${options.previous}" rel="prev">Previous page</a>` : ''}
${options.next ? html`<a href="${options.next}" rel="next">Next page</a>` : ''}
</nav>`;
}

/** A wide table in a region that scrolls sideways on a phone (focusable, so a keyboard can scroll it too). */
export function tableRegion(label: string, table: HtmlValue): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

/** "2026-12-01 15:44 UTC" from an ISO timestamp. */
export function when(iso: string | null): string {
  if (!iso) return '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A URL with these query parameters (empty ones left out). */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
