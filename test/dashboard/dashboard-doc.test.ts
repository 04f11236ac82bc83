// docs/dashboard.md stays true: its curl sign-in example runs as written against a real server and prints what the
// page shows, and every screenshot it shows is committed, small, and one of those the browser suite takes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const doc = fs.readFileSync(new URL('../../docs/dashboard.md', import.meta.url), 'utf8');
const screenshotBytesMax = 250_000;

describe('docs/dashboard.md', () => {
  it('shows only committed screenshots, each small, at desktop and phone width', () => {
    const images = [...doc.matchAll(/!\[[^\]]+\]\((dashboard\/[\w-]+\.png)\)/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(21);
    for (const image of images) {
      const file = new URL(`../../docs/${image}`, import.meta.url);
      expect(fs.existsSync(file), image).toBe(true);
      expect(fs.statSync(file).size, image).toBeLessThan(screenshotBytesMax);
    }
    const names = new Set(images.map((image) => image.replace(/^dashboard\/|-(desktop|phone)\.png$/g, '')));
    for (const name of names) {
      expect(images, name).toContain(`dashboard/${name}-desktop.png`);
      expect(images, name).toContain(`dashboard/${name}-phone.png`);
    }
  });

  it('documents the session setting it names', () => {
    expect(doc).toContain('COFFER_DASHBOARD_SESSION_MS');
    expect(fs.readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8')).toContain('`COFFER_DASHBOARD_SESSION_MS`');
  });
});

describe.each(storeKinds)('docs/dashboard.md curl examples [%s]', (kind) => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    baseUrl = await t.listen();
  });
  afterAll(async () => t?.close());

  it('signs in with curl and a cookie jar, and finds the customer', async () => {
    await t.request('POST', '/customers', { body: { email: 'ann.lee@example.com', name: 'Ann Lee' } });
    const block = /### From a terminal[\s\S]*?```bash\n([\s\S]*?)```/.exec(doc)![1];
    const expected = block.split('\n').filter((line) => line.startsWith('# → ')).map((line) => line.slice(4));
    expect(expected).toHaveLength(2);
    // Asynchronously: the server answering curl runs in this very process.
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], {
      env: { PATH: process.env.PATH, COFFER_URL: baseUrl, COFFER_API_KEY: t.apiKey },
      encoding: 'utf8',
    });
    expect(stdout.trim().split('\n')).toEqual(expected);
  });

  it('lists the open invoices and fetches a payment\'s PDF with curl', async () => {
    const customerId = (await t.request('POST', '/customers', { body: { email: 'bo@example.com', name: 'Bo' } })).json().customer_id;
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { currency: 'USD', entry_type: 'credit', amount: 5000 } });
    const post = async (url: string, body: unknown) => (await t.request('POST', url, { body })).json();
    const paid = await post('/invoices', { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Plan', amount: 1500 }] });
    const payment = await post(`/invoices/${paid.invoice_id}/pay`, {});
    await post('/invoices', { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Later', amount: 900 }] });
    const block = /### Invoices and payments[\s\S]*?```bash\n([\s\S]*?)```/.exec(doc)![1];
    const expected = block.split('\n').filter((line) => line.startsWith('# → ')).map((line) => line.slice(4));
    expect(expected).toHaveLength(2);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], {
      env: { PATH: process.env.PATH, COFFER_URL: baseUrl, COFFER_API_KEY: t.apiKey, PAYMENT_ID: payment.payment_id },
      encoding: 'utf8',
    });
    expect(stdout.trim().split('\n')).toEqual(expected);
  });

  it("refunds part of a payment to the wallet with the payment page's form and curl", async () => {
    const customerId = (await t.request('POST', '/customers', { body: { email: 'cy@example.com', name: 'Cy' } })).json().customer_id;
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { currency: 'USD', entry_type: 'credit', amount: 5000 } });
    const post = async (url: string, body: unknown) => (await t.request('POST', url, { body })).json();
    const invoice = await post('/invoices', { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Plan', amount: 2000 }] });
    const payment = await post(`/invoices/${invoice.invoice_id}/pay`, {});
    const block = /### Refunds and disputes[\s\S]*?```bash\n([\s\S]*?)```/.exec(doc)![1];
    const expected = block.split('\n').filter((line) => line.startsWith('# → ')).map((line) => line.slice(4));
    expect(expected).toHaveLength(1);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], {
      env: { PATH: process.env.PATH, COFFER_URL: baseUrl, COFFER_API_KEY: t.apiKey, PAYMENT_ID: payment.payment_id },
      encoding: 'utf8',
    });
    expect(stdout.trim().split('\n')).toEqual(expected);
    const refunds = (await t.request('GET', `/refunds?payment_id=${payment.payment_id}`)).json().items;
    expect(refunds).toEqual([expect.objectContaining({ amount: 500, destination: 'wallet', reason: 'Late delivery', status: 'succeeded' })]);
  });
});
