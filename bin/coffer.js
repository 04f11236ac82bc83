#!/usr/bin/env node
// Entry point of the `coffer` command: runs the compiled CLI in dist/ (`npm run build`, also run by `npm install`).
// When dist/ is missing or older than src/ (a source edited since the last build), it loads the TypeScript sources
// through tsx (a devDependency) instead, so that a stale build never runs.
import { compiledMain, distIsFresh } from './dist-state.js';
import { pathToFileURL } from 'node:url';

if (distIsFresh()) {
  await import(pathToFileURL(compiledMain).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
