// Runs `coffer serve` as a child process on a fixed loopback port: start, wait until healthy, SIGKILL, stop.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readyTimeoutMs = 90_000;
const stopTimeoutMs = 20_000;

/** Ports below Linux's ephemeral range (32768–60999 by default), so that no `listen(0)` elsewhere takes ours while Coffer is down. */
const fixedPortMin = 20_000;
const fixedPortMax = 32_000;

async function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port that the run then keeps fixed across restarts. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = fixedPortMin + Math.floor(Math.random() * (fixedPortMax - fixedPortMin));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${fixedPortMin} and ${fixedPortMax}; pass --port`);
}

async function isHealthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export class CofferProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Exits the run did not cause (a crash of Coffer itself), with their code or signal. */
  readonly unexpectedExits: string[] = [];
  private expectingExit = false;
  starts = 0;

  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
    private readonly logFile: string,
  ) {}

  /** Starts the server and resolves once /healthz answers 200; returns how long that took. */
  async start(): Promise<number> {
    const startedAt = performance.now();
    const log = fs.openSync(this.logFile, 'a');
    fs.writeSync(log, `--- start ${++this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'coffer.js'), 'serve'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.child = child;
    this.expectingExit = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.expectingExit) this.unexpectedExits.push(`start ${this.starts}: exit code ${code} signal ${signal}`);
        if (this.child === child) this.child = null;
        resolve();
      });
    });
    while (performance.now() - startedAt < readyTimeoutMs) {
      if (this.child !== child) throw new Error(`coffer serve exited during start; see ${this.logFile}`);
      if (await isHealthy(this.port)) return performance.now() - startedAt;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`coffer serve was not healthy after ${readyTimeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests and the open batch die with the process. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it does not exit in time; returns whether it exited on its own. */
  async stop(): Promise<boolean> {
    const child = this.child;
    if (!child) return true;
    this.expectingExit = true;
    child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), stopTimeoutMs).unref());
    if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'exited') return true;
    child.kill('SIGKILL');
    await this.exited;
    return false;
  }

  get running(): boolean {
    return this.child !== null;
  }
}
