// The pure rules behind webhook endpoints, without a store: sensitive and reserved header names, how a header update
// merges, the create fingerprint that decides an idempotent repeat, and the secret's form.
import { describe, expect, it } from 'vitest';
import { checkHeaders, isSensitiveHeader, mergeHeaders, redactHeaders } from '../../src/webhooks/endpoint-headers.ts';
import { createFingerprint, newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';

describe('header names', () => {
  it.each(['Authorization', 'proxy-authorization', 'COOKIE', 'X-Api-Key', 'X-Auth-Token', 'X-Client-Secret', 'X-Session', 'X-Password', 'Api-Credential', 'X-Signature'])(
    '%s is sensitive',
    (name) => expect(isSensitiveHeader(name)).toBe(true),
  );

  it.each(['X-Team', 'X-Region', 'Accept-Language', 'X-Request-Id', 'Traceparent'])('%s is not sensitive', (name) => expect(isSensitiveHeader(name)).toBe(false));

  it('redacts sensitive values and keeps the order of names', () => {
    expect(redactHeaders({ 'X-A': '1', Authorization: 'x', 'X-Token': 'y', 'X-B': '2' })).toEqual({ headers: { 'X-A': '1', 'X-B': '2' }, sensitive: ['Authorization', 'X-Token'] });
  });

  it('refuses reserved names in any case, one name twice, and more than 20', () => {
    expect(checkHeaders({ 'X-A': '1' }).ok).toBe(true);
    expect(checkHeaders({ 'WEBHOOK-ID': '1' })).toMatchObject({ ok: false, code: 'WEBHOOK_HEADER_NOT_ALLOWED' });
    expect(checkHeaders({ 'X-A': '1', 'x-a': '2' })).toMatchObject({ ok: false, code: 'WEBHOOK_HEADER_NOT_ALLOWED' });
    expect(checkHeaders(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, 'v'])))).toMatchObject({ ok: false, code: 'WEBHOOK_HEADER_NOT_ALLOWED' });
    expect(checkHeaders(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-${i}`, 'v']))).ok).toBe(true);
  });
});

describe('mergeHeaders', () => {
  it('replaces by name in any case (taking the new spelling), adds, removes on null, keeps the rest', () => {
    expect(mergeHeaders({ 'X-A': '1', 'X-B': '2', 'X-C': '3' }, { 'x-a': 'one', 'X-B': null, 'X-D': '4', 'X-None': null })).toEqual({
      ok: true,
      value: { 'X-C': '3', 'x-a': 'one', 'X-D': '4' },
    });
  });

  it('checks the merged result: within 20 after removals, refused beyond', () => {
    const full = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-${i}`, 'v']));
    expect(mergeHeaders(full, { 'X-New': 'v' })).toMatchObject({ ok: false, code: 'WEBHOOK_HEADER_NOT_ALLOWED' });
    expect(mergeHeaders(full, { 'X-0': null, 'X-New': 'v' }).ok).toBe(true);
    expect(mergeHeaders({}, { 'X-A': '1', 'x-A': null })).toMatchObject({ ok: false, code: 'WEBHOOK_HEADER_NOT_ALLOWED' });
    expect(mergeHeaders({}, { Host: 'evil.example' })).toMatchObject({ ok: false, code: 'WEBHOOK_HEADER_NOT_ALLOWED' });
  });
});

describe('createFingerprint', () => {
  const url = 'https://example.com/hooks';

  it('is the same for one request however it is spelled, defaults included', () => {
    const base = createFingerprint({ url });
    expect(createFingerprint({ url, description: '', disabled: false, filter_types: [], headers: {}, metadata: {}, rate_limit: null })).toBe(base);
    expect(createFingerprint({ url, description: null, disabled: null, filter_types: null, headers: null, metadata: null })).toBe(base);
    expect(createFingerprint({ url, idempotency_key: 'k' })).toBe(base);
    expect(createFingerprint({ url, metadata: { a: '1', b: '2' }, filter_types: ['wallet.debited', 'wallet.credited'] })).toBe(
      createFingerprint({ url, metadata: { b: '2', a: '1' }, filter_types: ['wallet.credited', 'wallet.debited'] }),
    );
  });

  it('differs when any field differs', () => {
    const base = createFingerprint({ url });
    for (const other of [
      { url: `${url}/x` }, { url, description: 'd' }, { url, disabled: true }, { url, filter_types: ['wallet.credited'] },
      { url, headers: { 'X-A': '1' } }, { url, metadata: { a: '1' } }, { url, rate_limit: 1 },
    ]) {
      expect(createFingerprint(other), JSON.stringify(other)).not.toBe(base);
    }
    expect(createFingerprint({ url, headers: { 'X-A': '1' } })).not.toBe(createFingerprint({ url, metadata: { 'X-A': '1' } }));
  });
});

describe('newWebhookSecret', () => {
  it('is whsec_ and the base64 of 24 fresh random bytes', () => {
    const secrets = new Set(Array.from({ length: 100 }, newWebhookSecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    }
  });
});
