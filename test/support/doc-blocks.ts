// Runs a docs/ page's code blocks as a reader would, for the tests that keep the docs true: blocks read from a section,
// each run with the names it is given and the variables of the blocks before it, and what it prints compared with the
// `// {…}` lines the page shows under it.
import fs from 'node:fs';
import { expect } from 'vitest';
import { runCoffer } from './ops.ts';

export const AsyncFunction = (async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<unknown>;

export interface DocBlock {
  lang: string;
  code: string;
  /** The block's `// {…}` (and `// application/pdf`) lines, as the page prints them. */
  printed: string[];
}

/** The text of docs/<page>. */
export const readDoc = (page: string) => fs.readFileSync(new URL(`../../docs/${page}`, import.meta.url), 'utf8');

/** The code blocks in `langs` of the part of docs/<page> after `heading`, up to the next `## ` heading. */
export function docBlocks(page: string, heading: string, langs: readonly string[] = ['ts']): DocBlock[] {
  const parts = readDoc(page).split(heading);
  if (parts.length < 2) throw new Error(`docs/${page} has no "${heading}"`);
  const section = parts[1].split('\n## ')[0];
  return [...section.matchAll(new RegExp(`\`\`\`(${langs.join('|')})\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => ({
    lang: m[1],
    code: m[2],
    printed: [...m[2].matchAll(/^\/\/ (\{.*\}|application\/pdf)$/gm)].map((p) => p[1]),
  }));
}

/** A printed line as a value: `{ status: 'active', at: '2030-…' }` as JSON (keys follow `{` or `, `), else the text. */
export const printedValue = (printed: string): unknown =>
  printed.startsWith('{') ? JSON.parse(printed.replace(/([{,]\s*)(\w+):/g, '$1"$2":').replace(/'/g, '"')) : printed;

/**
 * Runs the ts blocks in order with `given` in scope and the `const`s of the blocks before; each must print exactly its
 * `// {…}` lines. Blocks of another language go to `other` (e.g. a shell command run as a child process).
 */
export async function runDocBlocks(blocks: readonly DocBlock[], given: Record<string, unknown>, other?: (block: DocBlock) => Promise<void>): Promise<void> {
  const scope: Record<string, unknown> = {};
  for (const block of blocks) {
    if (block.lang !== 'ts') {
      if (!other) throw new Error(`no runner for a ${block.lang} block`);
      await other(block);
      continue;
    }
    const printed: unknown[] = [];
    const names = [...Object.keys(given), ...Object.keys(scope)];
    const exportNames = [...block.code.matchAll(/^const (\w+) =/gm)].map((m) => m[1]);
    const run = new AsyncFunction(...names, 'console', `${block.code}\nreturn { ${exportNames.join(', ')} };`);
    const result = (await run(...Object.values(given), ...Object.values(scope), { log: (value: unknown) => printed.push(value) })) as Record<string, unknown>;
    Object.assign(scope, result);
    expect(printed).toEqual(block.printed.map(printedValue));
  }
}

/** Runs a page's `coffer billing run --until …` block as a child process (dist built): it must exit 0 with no job failed. */
export function billingRunBlock(env: Record<string, string>): (block: DocBlock) => Promise<void> {
  return async (block) => {
    const args = block.code.trim().split(/\s+/);
    expect(args.slice(0, 3)).toEqual(['coffer', 'billing', 'run']);
    const run = await runCoffer(args.slice(1), env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ failed: 0 });
  };
}
