// /metrics behind COFFER_METRICS_TOKEN and on its own COFFER_METRICS_PORT, on both stores; the settings' validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/processes.ts';
import { loadConfig } from '../src/config/config.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';


const token = 'metrics-token-0123456789';

describe.each(storeKinds)('/metrics access [%s]', (kind) => {
  describe('by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(async () => t?.close());

    it('is served on the API port without a key', async () => {
      const response = await t.request('GET', '/metrics', { key: null });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('coffer_ledger_commands_total');
    });
  });

  describe('with COFFER_METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, { COFFER_METRICS_TOKEN: token });
    });
    afterAll(async () => t?.close());

    it('refuses a missing or wrong token with 401 and the error envelope, and an API key is no substitute', async () => {
      for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${token}x` }, { authorization: token }, { authorization: `Bearer ${t.apiKey}` }]) {
        const response = await t.request('GET', '/metrics', { key: null, headers });
        expect(response.statusCode, JSON.stringify(headers)).toBe(401);
        expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(response.body).not.toContain('coffer_');
      }
    });

    it('serves the metrics with the token', async () => {
      const response = await t.request('GET', '/metrics', { key: null, headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('coffer_http_request_duration_seconds');
    });
  });

  describe('with COFFER_METRICS_PORT (and a token)', () => {
    let t: TestApp;
    let metricsPort: number;
    beforeAll(async () => {
      metricsPort = await freePort();
      t = await startTestApp(kind, { COFFER_METRICS_PORT: String(metricsPort), COFFER_METRICS_TOKEN: token });
    });
    afterAll(async () => t?.close());

    it('serves /metrics only on its own port, still asking for the token', async () => {
      const apiUrl = await t.listen();
      expect((await fetch(`${apiUrl}/metrics`)).status).toBe(404);
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      expect((await fetch(metricsUrl)).status).toBe(401);
      const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('coffer_ledger_batch_size');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/customers`)).status).toBe(404);
    });
  });
});

describe('metrics settings', () => {
  it('refuses a short token and a metrics port equal to PORT, listing both', () => {
    expect(() => loadConfig({ COFFER_METRICS_TOKEN: 'short', PORT: '9000', COFFER_METRICS_PORT: '9000' })).toThrow(
      /COFFER_METRICS_TOKEN must be at least 16 characters[\s\S]*COFFER_METRICS_PORT must differ from PORT/,
    );
    expect(() => loadConfig({ COFFER_METRICS_PORT: 'x' })).toThrow(/COFFER_METRICS_PORT must be an integer from 1 to 65535/);
    expect(loadConfig({})).toMatchObject({ metricsToken: null, metricsPort: null });
  });
});
