// docs/operations.md documents every environment variable that src/config/config.ts reads.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (relative: string) => fs.readFileSync(new URL(`../${relative}`, import.meta.url), 'utf8');

describe('operations guide', () => {
  it('lists every environment variable the configuration reads, in its reference table', () => {
    const source = read('src/config/config.ts');
    const names = new Set([
      ...[...source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]),
      ...[...source.matchAll(/(?:integer|flag)\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]),
    ]);
    expect(names.size).toBeGreaterThan(15);
    const table = read('docs/operations.md').split('## Rate limits')[0];
    const missing = [...names].filter((name) => !table.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
