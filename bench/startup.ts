// `npx tsx bench/startup.ts [--runs=N]`: start-up time (spawn to the listening banner) and idle RSS of `coffer serve`,
// run from the TypeScript sources through tsx and from the compiled dist/, each N times on a fresh SQLite store.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 5);
/** How long the server sits idle after its banner before its RSS is read. */
const idleMs = 3000;

const modes: Record<string, string[]> = {
  'tsx (TypeScript sources)': ['--import', import.meta.resolve('tsx'), path.join(root, 'src', 'cli', 'main.ts'), 'serve'],
  'node (compiled dist/)': [path.join(root, 'dist', 'cli', 'main.js'), 'serve'],
};

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function once(args: string[]): Promise<{ startMs: number; rssMb: number }> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-startup-'));
  try {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const startMs = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Coffer is listening on')) resolve(performance.now() - started);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before its banner:\n${out}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const rss = rssMb(child.pid!);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    return { startMs, rssMb: rss };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(1);
}
process.stdout.write(`node ${process.version}, ${runs} runs each, RSS read ${idleMs} ms after the banner\n`);
// The modes alternate run by run, so that a busy moment on the machine weighs on both alike.
const samplesByMode = new Map(Object.keys(modes).map((name) => [name, [] as Array<{ startMs: number; rssMb: number }>]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(modes)) samplesByMode.get(name)!.push(await once(args));
}
for (const [name, samples] of samplesByMode) {
  const start = samples.map((s) => s.startMs);
  const rss = samples.map((s) => s.rssMb);
  process.stdout.write(
    `${name}: start-up median ${median(start).toFixed(0)} ms (min ${Math.min(...start).toFixed(0)}, max ${Math.max(...start).toFixed(0)}); ` +
      `idle RSS median ${median(rss).toFixed(1)} MB (min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)})\n`,
  );
}
