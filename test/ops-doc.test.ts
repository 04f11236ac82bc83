// docs/operations.md and docs/demo.md name every option of the operator's commands and every finding kind of verify.
import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { findingKinds } from '../src/ops/findings.ts';
import { runCoffer } from './support/ops.ts';

vi.setConfig({ testTimeout: 120_000 });

const read = (relative: string) => fs.readFileSync(new URL(`../${relative}`, import.meta.url), 'utf8');

describe("operator's tools documentation", () => {
  it('lists every finding kind in the verify table', () => {
    const section = read('docs/operations.md').split('## Verify')[1].split('## Backup and restore')[0];
    expect(findingKinds.filter((kind) => !section.includes(`\`${kind}\``))).toEqual([]);
  });

  it('shows every option each command takes', async () => {
    const docs = read('docs/operations.md') + read('docs/demo.md');
    for (const command of ['verify', 'backup', 'restore', 'demo']) {
      const help = await runCoffer([command, '--help'], {});
      expect(help.code).toBe(0);
      const options = [...help.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
      expect(options.length, command).toBeGreaterThan(0);
      expect(options.filter((option) => !docs.includes(`coffer ${command}`) || !docs.includes(option)), command).toEqual([]);
    }
  });
});
