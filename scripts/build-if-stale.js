// `npm start`'s first step: compiles src/ into dist/ unless dist/ is already newer than every source file.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { distIsFresh, root } from '../bin/dist-state.js';

if (!distIsFresh()) {
  process.stdout.write('compiling src/ into dist/ (npm run build)\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
