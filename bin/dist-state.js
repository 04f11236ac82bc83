// Whether dist/ (the compiled server) is at least as new as every TypeScript file under src/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const compiledMain = path.join(root, 'dist', 'cli', 'main.js');

function newestSourceMs(directory) {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** False when dist/ is missing or a source file changed after the last build (a checkout without src/ counts as fresh). */
export function distIsFresh() {
  if (!fs.existsSync(compiledMain)) return false;
  const sources = path.join(root, 'src');
  return !fs.existsSync(sources) || newestSourceMs(sources) <= fs.statSync(compiledMain).mtimeMs;
}
