// Webhook endpoint management through the official dodopayments@2.52.0 SDK against a listening Coffer, on both
// stores: every `client.webhooks.*` call parses Coffer's answers, and the secret verifies with the SDK's unwrap.
import { createHmac } from 'node:crypto';
import { NotFoundError, PermissionDeniedError, UnprocessableEntityError } from 'dodopayments';
import type { WebhookDetails } from 'dodopayments/resources/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { sdkClient, useSdkApp } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';

const endpointIdPattern = /^whk_[0-9A-Za-z]{21}$/;
const secretPattern = /^whsec_[A-Za-z0-9+/]{32}$/;
/** Coffer's event names are not in the SDK's WebhookEventType union: TypeScript callers cast them. */
const events = (...names: string[]) => names as never[];

/** Signs a message as Standard Webhooks does (what the delivery side sends), to check a secret with the SDK's unwrap. */
function signed(secret: string, body: string) {
  const id = 'msg_test';
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

describe.each(storeKinds)('webhook endpoints through the SDK [%s]', (kind) => {
  const sdk = useSdkApp(kind);

  it('creates an endpoint with every field and answers WebhookDetails exactly', async () => {
    const created = await sdk.client.webhooks.create({
      url: 'https://example.com/hooks/coffer',
      description: 'Balance changes',
      filter_types: events('wallet.credited', 'wallet.debited'),
      headers: { 'X-Team': 'billing', Authorization: 'Bearer receiver-token' },
      metadata: { env: 'test' },
      rate_limit: 25,
    });
    expect(created.id).toMatch(endpointIdPattern);
    expect(created).toEqual({
      id: created.id,
      created_at: expect.any(String),
      updated_at: created.created_at,
      description: 'Balance changes',
      metadata: { env: 'test' },
      url: 'https://example.com/hooks/coffer',
      disabled: false,
      filter_types: ['wallet.credited', 'wallet.debited'],
      rate_limit: 25,
    } satisfies WebhookDetails);
    expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
    expect(await sdk.client.webhooks.retrieve(created.id)).toEqual(created);
  });

  it('creates with only a url, with the documented defaults', async () => {
    const created = await sdk.client.webhooks.create({ url: 'https://example.com/minimal' });
    expect(created).toMatchObject({ description: '', metadata: {}, disabled: false, filter_types: [], rate_limit: null });
  });

  it('updates fields, clears rate_limit with null, and keeps what was not sent', async () => {
    const created = await sdk.client.webhooks.create({ url: 'https://example.com/update', description: 'before', rate_limit: 5 });
    const updated = await sdk.client.webhooks.update(created.id, { description: 'after', disabled: true, rate_limit: null, filter_types: events('customer.created') });
    expect(updated).toEqual({ ...created, description: 'after', disabled: true, rate_limit: null, filter_types: ['customer.created'], updated_at: expect.any(String) });
    expect(updated.updated_at >= created.updated_at).toBe(true);
    const moved = await sdk.client.webhooks.update(created.id, { url: 'https://example.org/moved', disabled: false });
    expect(moved).toMatchObject({ url: 'https://example.org/moved', disabled: false, description: 'after' });
    expect(await sdk.client.webhooks.retrieve(created.id)).toEqual(moved);
  });

  it('lists every endpoint in id order across cursor pages (for await, small limit), then stops', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await sdk.client.webhooks.create({ url: `https://example.com/list/${i}` })).id);
    const seen: string[] = [];
    for await (const endpoint of sdk.client.webhooks.list({ limit: 2 })) seen.push(endpoint.id);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);

    const first = await sdk.client.webhooks.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.iterator).toBe(first.data[1].id);
    expect(first.hasNextPage()).toBe(true);
    const last = await sdk.client.webhooks.list({ limit: 100 });
    expect(last.iterator).toBe('');
    expect(last.done).toBe(true);
    expect(last.hasNextPage()).toBe(false);
  });

  it('deletes an endpoint; it is gone for retrieve, update, delete and the list', async () => {
    const created = await sdk.client.webhooks.create({ url: 'https://example.com/delete-me' });
    await expect(sdk.client.webhooks.delete(created.id)).resolves.toBeFalsy();
    await expect(sdk.client.webhooks.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(sdk.client.webhooks.update(created.id, { description: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(sdk.client.webhooks.delete(created.id)).rejects.toBeInstanceOf(NotFoundError);
    const listed: string[] = [];
    for await (const endpoint of sdk.client.webhooks.list({ limit: 100 })) listed.push(endpoint.id);
    expect(listed).not.toContain(created.id);
  });

  it('returns the signing secret, which verifies a Standard Webhooks message with the SDK unwrap', async () => {
    const created = await sdk.client.webhooks.create({ url: 'https://example.com/secret' });
    const { secret } = await sdk.client.webhooks.retrieveSecret(created.id);
    expect(secret).toMatch(secretPattern);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    const other = await sdk.client.webhooks.create({ url: 'https://example.com/secret-2' });
    expect((await sdk.client.webhooks.retrieveSecret(other.id)).secret).not.toBe(secret);

    const body = JSON.stringify({ business_id: sdk.t.businessId, type: 'wallet.credited', timestamp: new Date().toISOString(), data: {} });
    expect(sdk.client.webhooks.unwrap(body, { headers: signed(secret, body), key: secret })).toMatchObject({ type: 'wallet.credited' });
  });

  it('rotates the secret over raw HTTP; the new one is what retrieveSecret returns', async () => {
    const created = await sdk.client.webhooks.create({ url: 'https://example.com/rotate' });
    const before = (await sdk.client.webhooks.retrieveSecret(created.id)).secret;
    const response = await fetch(`${sdk.baseURL}/webhooks/${created.id}/secret/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sdk.t.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ overlap_seconds: 3600 }),
    });
    expect(response.status).toBe(200);
    const rotated = (await response.json()) as { secret: string; previous_secret_expires_at: string };
    expect(rotated.secret).toMatch(secretPattern);
    expect(rotated.secret).not.toBe(before);
    expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect((await sdk.client.webhooks.retrieveSecret(created.id)).secret).toBe(rotated.secret);
  });

  it('reads custom headers with sensitive ones by name only, and merges updates (null removes)', async () => {
    const created = await sdk.client.webhooks.create({
      url: 'https://example.com/headers',
      headers: { 'X-Team': 'billing', Authorization: 'Bearer receiver-token', 'X-Api-Key': 'k-123' },
    });
    const read = await sdk.client.webhooks.headers.retrieve(created.id);
    expect(read).toEqual({ headers: { 'X-Team': 'billing' }, sensitive: ['Authorization', 'X-Api-Key'] });
    expect(JSON.stringify(read)).not.toContain('receiver-token');

    await expect(sdk.client.webhooks.headers.update(created.id, { headers: { 'X-Region': 'eu', 'x-team': 'payments' } })).resolves.toBeFalsy();
    expect(await sdk.client.webhooks.headers.retrieve(created.id)).toEqual({
      headers: { 'X-Region': 'eu', 'x-team': 'payments' },
      sensitive: ['Authorization', 'X-Api-Key'],
    });
    // A null value is a Coffer extension (the SDK types values as strings): it removes that header.
    await sdk.client.webhooks.headers.update(created.id, { headers: { authorization: null as never } });
    expect(await sdk.client.webhooks.headers.retrieve(created.id)).toEqual({ headers: { 'X-Region': 'eu', 'x-team': 'payments' }, sensitive: ['X-Api-Key'] });
  });

  it('surfaces refusals as the SDK error classes, with the code in error.error', async () => {
    const refused = await sdk.client.webhooks.create({ url: 'http://127.0.0.1:8080/hook' }).catch((error) => error);
    expect(refused).toBeInstanceOf(UnprocessableEntityError);
    expect(refused.error.code).toBe('WEBHOOK_URL_INVALID');
    const unknown = await sdk.client.webhooks.create({ url: 'https://example.com/x', filter_types: ['subscription.past_due'] }).catch((error) => error);
    expect(unknown).toBeInstanceOf(UnprocessableEntityError);
    expect(unknown.error.code).toBe('WEBHOOK_EVENT_TYPE_UNKNOWN');
    const missing = await sdk.client.webhooks.retrieve('whk_000000000000000000000').catch((error) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.error.code).toBe('WEBHOOK_NOT_FOUND');
  });

  it('lets a read-only key list and retrieve, but not write or read the secret', async () => {
    const created = await sdk.client.webhooks.create({ url: 'https://example.com/read-only' });
    const reader = sdkClient(sdk.baseURL, sdk.t.readOnlyKey);
    expect((await reader.webhooks.retrieve(created.id)).id).toBe(created.id);
    expect((await reader.webhooks.list({ limit: 1 })).data).toHaveLength(1);
    expect(await reader.webhooks.headers.retrieve(created.id)).toEqual({ headers: {}, sensitive: [] });
    for (const call of [
      () => reader.webhooks.create({ url: 'https://example.com/nope' }),
      () => reader.webhooks.update(created.id, { description: 'nope' }),
      () => reader.webhooks.delete(created.id),
      () => reader.webhooks.retrieveSecret(created.id),
      () => reader.webhooks.headers.update(created.id, { headers: { 'X-A': 'b' } }),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(PermissionDeniedError);
    }
  });
});
