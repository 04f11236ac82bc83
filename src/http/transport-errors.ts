// Answers requests that Node's HTTP server would otherwise refuse below the router with an empty body: a missing
// (or repeated) Host header, an unsupported Expect header, CONNECT; each gets the {code, message} envelope.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, HttpError, errorStatus } from './errors.ts';

/** A complete HTTP/1.1 error response as raw text, for sockets that no Fastify reply owns; the socket closes after it. */
export function rawErrorResponse(reason: string, code: ErrorCode, message: string): string {
  const body = JSON.stringify({ code, message });
  return `HTTP/1.1 ${errorStatus[code]} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

function sendRaw(socket: Duplex, reason: string, code: ErrorCode, message: string): void {
  if (socket.writable) socket.write(rawErrorResponse(reason, code, message));
  socket.destroy();
}

function refuseExpectation(response: ServerResponse, expectation: string): void {
  const shown = expectation.length > 60 ? `${expectation.slice(0, 60)}…` : expectation;
  const body = JSON.stringify({
    code: 'EXPECTATION_FAILED' satisfies ErrorCode,
    message: `The Expect header "${shown}" is not supported; only "100-continue" is`,
  });
  response.writeHead(errorStatus.EXPECTATION_FAILED, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}

/** How many Host headers the request carried (Node keeps only the first in `headers`). */
function hostHeaderCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === 'host') count += 1;
  return count;
}

/**
 * Needs the server created with `requireHostHeader: false`, so that the Host check below answers instead of Node's
 * bodiless 400 (RFC 9112: an HTTP/1.1 request without exactly one Host header is refused with 400).
 */
export function registerTransportErrors(app: FastifyInstance): void {
  app.server.on('checkExpectation', (request, response) => refuseExpectation(response, String(request.headers.expect ?? '')));
  app.server.on('connect', (request, socket: Duplex) =>
    sendRaw(socket, 'Not Found', 'NOT_FOUND', `Route CONNECT ${String(request.url ?? '').slice(0, 100)} not found`),
  );
  app.addHook('onRequest', async (request) => {
    const raw = request.raw;
    if (raw.httpVersionMajor !== 1 || raw.httpVersionMinor < 1) return;
    const count = hostHeaderCount(raw.rawHeaders);
    if (count !== 1) {
      const problem = count === 0 ? 'has no Host header' : `has ${count} Host headers`;
      throw new HttpError('MALFORMED_HTTP_REQUEST', `The request ${problem}; HTTP/1.1 requires exactly one`, { connection: 'close' });
    }
  });
}
