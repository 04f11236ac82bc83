// Webhook endpoints, each with its delivery log and a redeliver button per event (WebhookEndpointService, DeliveryService).
import type { WebhookAttempt } from '../webhooks/delivery-schemas.ts';
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { field } from './context.ts';
import { html } from './html.ts';
import { page, pager, tableRegion, when, withQuery } from './layout.ts';

const path = '/dashboard/webhooks';
export const endpointsPageSize = 25;
export const attemptsPageSize = 25;
const iteratorPattern = /^[\w-]{1,100}$/;
const iteratorOf = (query: unknown) => {
  const text = field(query, 'iterator', 100);
  return text !== undefined && iteratorPattern.test(text) ? text : undefined;
};
export const endpointPath = (id: string) => `${path}/${encodeURIComponent(id)}`;

export async function webhooksPage(services: DashboardServices, signedIn: SignedIn, query: unknown): Promise<PageAnswer> {
  const { page: listed } = await services.webhookEndpoints.list(signedIn.principal.businessId, { limit: endpointsPageSize, iterator: iteratorOf(query) });
  const rows = listed.data.map(
    (endpoint) => html`<tr><td><a href="${endpointPath(endpoint.id)}">${endpoint.url}</a></td><td>${endpoint.description}</td>
<td>${endpoint.disabled ? 'Disabled' : 'Enabled'}</td><td>${endpoint.filter_types.length === 0 ? 'every event' : endpoint.filter_types.join(', ')}</td></tr>`,
  );
  const body = html`<h1>Webhook endpoints</h1>
<p>Endpoints are created and changed through the API (docs/webhooks.md); here you read their delivery logs and send an event again.</p>
${listed.data.length === 0 ? html`<p>No webhook endpoints yet.</p>` : tableRegion('Webhook endpoints', html`<table><caption>Webhook endpoints</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Description</th><th scope="col">State</th><th scope="col">Events</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
${pager({ label: 'Endpoint pages', previous: iteratorOf(query) ? path : undefined, next: listed.iterator ? withQuery(path, { iterator: listed.iterator }) : undefined })}`;
  return { body: page({ title: 'Webhooks', area: 'webhooks', viewer: signedIn.viewer, body }) };
}

/** One endpoint and its delivery log, newest first; `message` reports a redelivery just asked for. */
export async function endpointPage(services: DashboardServices, signedIn: SignedIn, endpointId: string, query: unknown, message?: { error?: string; notice?: string }, status = 200): Promise<PageAnswer> {
  const endpoint = await services.webhookEndpoints.retrieve(signedIn.principal.businessId, endpointId);
  if (!endpoint.ok) {
    const body = html`<h1>Endpoint not found</h1><p>${endpoint.message}.</p><p><a href="${path}">Back to webhook endpoints</a></p>`;
    return { status: 404, body: page({ title: 'Endpoint not found', area: 'webhooks', viewer: signedIn.viewer, body }) };
  }
  const attempts = await services.deliveries.listAttempts({ businessId: signedIn.principal.businessId }, endpointId, { limit: attemptsPageSize, iterator: iteratorOf(query) });
  const log = attempts.ok ? attempts.value : { data: [], iterator: null, done: true };
  const action = `${endpointPath(endpointId)}/redeliver`;
  const rows = log.data.map(
    (attempt: WebhookAttempt) => html`<tr><td>${when(attempt.started_at)}</td><td><code>${attempt.event_id}</code></td><td class="num">${attempt.attempt}</td><td>${attempt.outcome}</td>
<td class="num">${attempt.status_code ?? ''}</td><td class="num">${attempt.latency_ms === null ? '' : `${attempt.latency_ms} ms`}</td><td>${attempt.error ?? ''}</td><td>${when(attempt.next_attempt_at)}</td>
<td><form method="post" action="${action}" hx-post="${action}" hx-target="#main" hx-select="#main" hx-swap="outerHTML"><input type="hidden" name="_csrf" value="${signedIn.viewer.csrfToken}"><input type="hidden" name="event_id" value="${attempt.event_id}"><button type="submit" aria-label="${`Redeliver ${attempt.event_id}`}">Redeliver</button></form></td></tr>`,
  );
  const value = endpoint.value;
  const body = html`<p class="crumbs"><a href="${path}">Webhook endpoints</a></p>
<h1>${value.url}</h1>
<p class="meta">${value.description || 'No description'} · ${value.disabled ? 'Disabled' : 'Enabled'} · <code>${value.id}</code></p>
${signedIn.viewer.readOnly ? html`<p class="notice">This API key is read-only: redeliveries are refused.</p>` : ''}
<div id="redeliver-message" aria-live="polite">${message?.error ? html`<p class="error" role="alert">${message.error}</p>` : ''}${message?.notice ? html`<p class="success" role="status">${message.notice}</p>` : ''}</div>
<h2>Delivery log</h2>
${log.data.length === 0 ? html`<p>No delivery attempts yet.</p>` : tableRegion('Delivery attempts', html`<table><caption>Delivery attempts, newest first</caption>
<thead><tr><th scope="col">Started</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Error</th><th scope="col">Next attempt</th><th scope="col">Action</th></tr></thead>
<tbody>${rows}</tbody></table>`)}
${pager({ label: 'Delivery log pages', previous: iteratorOf(query) ? endpointPath(endpointId) : undefined, next: log.iterator ? withQuery(endpointPath(endpointId), { iterator: log.iterator }) : undefined })}`;
  return { status, body: page({ title: value.url, area: 'webhooks', viewer: signedIn.viewer, body }) };
}

export async function redeliverAction(services: DashboardServices, signedIn: SignedIn, endpointId: string, body: unknown): Promise<PageAnswer> {
  if (signedIn.viewer.readOnly) {
    return endpointPage(services, signedIn, endpointId, {}, { error: 'Refused: this API key is read-only, so it cannot redeliver. Sign in with a read-write key.' }, 403);
  }
  const eventId = field(body, 'event_id', 100);
  if (eventId === undefined || !iteratorPattern.test(eventId)) return endpointPage(services, signedIn, endpointId, {}, { error: 'Choose an event to redeliver.' }, 422);
  const result = await services.deliveries.redeliver({ businessId: signedIn.principal.businessId }, endpointId, { event_id: eventId });
  if (!result.ok) return endpointPage(services, signedIn, endpointId, {}, { error: `Refused: ${result.message}.` }, result.code === 'WEBHOOK_NOT_FOUND' ? 404 : 400);
  return endpointPage(services, signedIn, endpointId, {}, { notice: `Event ${eventId} will be delivered again shortly; the new attempt appears in the log.` });
}
