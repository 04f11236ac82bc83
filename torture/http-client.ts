// A small JSON-over-HTTP client for the torture clients: keep-alive sockets, a timeout, and errors as values.
import http from 'node:http';

export type HttpOutcome =
  | { kind: 'response'; status: number; body: any; headers: http.IncomingHttpHeaders }
  /** No HTTP answer: refused, reset, closed mid-response or timed out. The request may or may not have been applied. */
  | { kind: 'no_response'; error: string };

export interface HttpClient {
  request(method: string, path: string, body?: unknown): Promise<HttpOutcome>;
  close(): void;
}

export function httpClient(options: { port: number; apiKey: string; socketsMax: number; timeoutMs: number }): HttpClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.socketsMax });
  const request = (method: string, path: string, body?: unknown) =>
    new Promise<HttpOutcome>((resolve) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      let settled = false;
      const settle = (outcome: HttpOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const req = http.request({ host: '127.0.0.1', port: options.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => settle({ kind: 'no_response', error: error.message }));
        res.on('aborted', () => settle({ kind: 'no_response', error: 'response aborted' }));
        res.on('end', () => {
          if (!res.complete) return settle({ kind: 'no_response', error: 'response incomplete' });
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            // Kept as text; a 2xx that is not JSON is reported by the caller.
          }
          settle({ kind: 'response', status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      });
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`timeout after ${options.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => settle({ kind: 'no_response', error: error.code ?? error.message }));
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}
