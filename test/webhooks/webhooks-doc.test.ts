// docs/webhooks.md stays true: it lists exactly the event types Coffer emits, and each example payload is valid
// against the schema the OpenAPI document publishes for its type.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchemas } from '../../src/outbox/event-schemas.ts';
import { outboxEventTypes } from '../../src/outbox/event-types.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

// TypeBox checks no formats by itself: date-time as Coffer writes it (ISO 8601, UTC, milliseconds).
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value));

const doc = fs.readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');

describe('docs/webhooks.md', () => {
  it('lists every event type in its table, and only those', () => {
    const section = doc.slice(doc.indexOf('## Events\n'), doc.indexOf('### `wallet.credited`'));
    const listed = [...section.matchAll(/^\| `([a-z_.]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...outboxEventTypes].sort());
  });

  it('shows an example payload for every event type, each valid against its published schema', () => {
    const events = doc.slice(doc.indexOf('## Events\n'), doc.indexOf('\n## ', doc.indexOf('## Events\n') + 1));
    const examples = [...events.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]) as { type?: string });
    const envelopes = examples.filter((example) => typeof example.type === 'string' && 'data' in example);
    const shown = new Set(envelopes.map((example) => example.type));
    for (const type of outboxEventTypes) if (type !== 'wallet.debited') expect(shown.has(type), type).toBe(true);
    for (const example of envelopes) {
      const schema = eventSchemas.find((candidate) => candidate.properties.type.const === example.type);
      expect(schema, example.type).toBeDefined();
      const delivered = { id: 'evt_docs', ...example };
      expect([...Value.Errors(schema!, delivered)].map((e) => `${e.path}: ${e.message}`), example.type).toEqual([]);
    }
  });
});

describe.each(storeKinds)('docs/webhooks.md threshold example, run with curl [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('each command answers what the page shows', async () => {
    const baseUrl = await t.listen();
    const customerId = (await t.request('POST', '/customers', { body: { email: 'docs-threshold@example.com', name: 'Docs' } })).json().customer_id;
    const block = /\*\*Thresholds\*\*[\s\S]*?```bash\n([\s\S]*?)```/.exec(doc)![1].replaceAll('cus_0QqG1xY2zA3bC4dE5fG6h', customerId);
    const commands: Array<{ command: string; expected?: unknown }> = [];
    for (const line of block.replace(/\\\n\s*/g, '').split('\n')) {
      if (line.startsWith('curl ')) commands.push({ command: line });
      else if (line.startsWith('# → ')) commands.at(-1)!.expected = JSON.parse(line.slice(4));
    }
    expect(commands).toHaveLength(3);
    for (const { command, expected } of commands) {
      // Asynchronously: the server answering curl runs in this very process.
      const { stdout: output } = await promisify(execFile)('bash', ['-c', `${command} --silent --show-error --fail-with-body --max-time 10`], {
        env: { PATH: process.env.PATH, COFFER_URL: baseUrl, COFFER_API_KEY: t.apiKey },
        encoding: 'utf8',
      });
      if (expected !== undefined) expect(JSON.parse(output), command).toEqual(expected);
    }
    await t.request('DELETE', '/low-balance-thresholds/USD');
  });
});
