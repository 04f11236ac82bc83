// Failing model sequences kept as regression tests: JSON files under test/regressions/, replayed on every run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './commands.ts';

export const regressionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../regressions');

export interface Regression {
  /** What went wrong, and the commit that fixed it. */
  description: string;
  /** Run against an app with COFFER_IDEMPOTENCY_REPLAY on (default: off). */
  replay?: boolean;
  /** The exact command list, replayed as is (survives changes to the arbitraries). */
  commands: Command[];
  /** fast-check seed and shrink path of the failing run, replayed with fc.assert while the arbitraries are unchanged. */
  seed?: number;
  path?: string;
}

export function loadRegressions(): Array<[string, Regression]> {
  if (!fs.existsSync(regressionsDir)) return [];
  return fs
    .readdirSync(regressionsDir)
    .filter((name) => name.startsWith('model-') && name.endsWith('.json'))
    .sort()
    .map((name) => [name, JSON.parse(fs.readFileSync(path.join(regressionsDir, name), 'utf8')) as Regression]);
}

/** Writes a failing run's shrunk counterexample so that it can be committed; returns the file written. */
export function saveRegression(store: string, replay: boolean, failure: { seed: number; counterexamplePath: string | null; counterexample: [Command[]] | null; errorInstance: unknown }): string {
  fs.mkdirSync(regressionsDir, { recursive: true });
  const file = path.join(regressionsDir, `model-${store}${replay ? '-replay' : ''}-${failure.seed}.json`);
  const regression: Regression = {
    description: `Found by the model test on ${store}: ${String((failure.errorInstance as Error)?.message ?? failure.errorInstance).split('\n')[0].slice(0, 300)}`,
    replay,
    commands: failure.counterexample?.[0] ?? [],
    seed: failure.seed,
    ...(failure.counterexamplePath ? { path: failure.counterexamplePath } : {}),
  };
  fs.writeFileSync(file, `${JSON.stringify(regression, null, 2)}\n`);
  return file;
}
