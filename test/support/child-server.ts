// Runs the real `coffer serve` (node bin/coffer.js) as a child process, and plain HTTP calls that report refusals as values.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const startTimeoutMs = 60_000;

export interface ChildServer {
  child: ChildProcess;
  /** http://127.0.0.1:<port>, read from the banner; null if the process exited before listening. */
  baseUrl: string | null;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  /** Sends SIGKILL if the process is still running (test clean-up). */
  kill(): void;
}

/** Starts `coffer serve` on an ephemeral port and resolves once it listens, or once it exits without listening. */
export async function startServe(env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'coffer.js'), 'serve'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, atMs: performance.now() })),
  );
  const baseUrl = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coffer serve did not start in ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Coffer is listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  return {
    child,
    baseUrl,
    output: () => output,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

export type CallOutcome =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: string; atMs: number }
  | { kind: 'error'; code: string; atMs: number };

/** One HTTP request on its own connection (no keep-alive) unless an agent is given; a refused connection is an outcome. */
export function call(
  url: string,
  options: { method?: string; body?: unknown; key?: string; agent?: http.Agent | false; timeoutMs?: number } = {},
): Promise<CallOutcome> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        agent: options.agent ?? false,
        headers: {
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            kind: 'response',
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            atMs: performance.now(),
          }),
        );
        response.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'error', code: error.code ?? error.message, atMs: performance.now() }));
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'error', code: error.code ?? error.message, atMs: performance.now() }));
    request.end(payload);
  });
}

/** The JSON lines pino wrote (the banner and other plain lines are skipped). */
export function logLines(output: string): Array<{ level: number; msg: string; [field: string]: unknown }> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}
