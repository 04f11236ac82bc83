// Raw TCP exchanges with a listening Coffer: broken HTTP that no client library would send.
import net from 'node:net';

export interface RawExchange {
  name: string;
  /** Bytes to write; `{auth}` is replaced by a valid read-write key and `{customer}` by the suite's customer id. */
  send: string;
  /** After writing: end our side (half-close), destroy the socket after a pause, or keep it open. */
  then: 'end' | 'destroy' | 'wait';
  /** What the first line of the answer must match; null when the server may answer nothing and just close. */
  statusLine: RegExp | null;
}

const waitMs = 1500;

/** Writes the bytes and collects whatever comes back until the server closes or `waitMs` passes. */
export function exchange(port: number, data: string, then: RawExchange['then']): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => {
      socket.write(data);
      if (then === 'end') socket.end();
      if (then === 'destroy') setTimeout(finish, 100);
    });
  });
}

const post = (headers: string, body: string) =>
  `POST /customers/{customer}/wallets/ledger-entries HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {auth}\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;
const validBody = '{"amount":100,"currency":"USD","entry_type":"credit","idempotency_key":"raw-1"}';

export const rawExchanges: RawExchange[] = [
  {
    name: 'a body shorter than its Content-Length, then our side closes',
    send: post('Content-Length: 500\r\n', validBody),
    then: 'end',
    statusLine: null,
  },
  {
    name: 'a body shorter than its Content-Length, then the connection drops',
    send: post('Content-Length: 500\r\n', validBody),
    then: 'destroy',
    statusLine: null,
  },
  {
    name: 'a body shorter than its Content-Length, left hanging',
    send: post('Content-Length: 500\r\n', validBody.slice(0, 30)),
    then: 'wait',
    statusLine: null,
  },
  { name: 'garbage instead of a request line', send: 'GARBAGE\r\n\r\n', then: 'wait', statusLine: /^HTTP\/1\.1 400 / },
  { name: 'binary noise', send: '\u0000\u0001\u0002\u00ff\r\n\r\n', then: 'wait', statusLine: /^HTTP\/1\.1 400 / },
  { name: 'a Content-Length that is not a number', send: post('Content-Length: abc\r\n', validBody), then: 'wait', statusLine: /^HTTP\/1\.1 400 / },
  {
    name: 'both Content-Length and chunked Transfer-Encoding (request smuggling)',
    send: post(`Content-Length: ${validBody.length}\r\nTransfer-Encoding: chunked\r\n`, `${validBody.length.toString(16)}\r\n${validBody}\r\n0\r\n\r\n`),
    then: 'wait',
    statusLine: /^HTTP\/1\.1 400 /,
  },
  { name: 'a bad chunk size', send: post('Transfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'), then: 'wait', statusLine: /^HTTP\/1\.1 400 / },
  {
    name: 'a 20 KB header section',
    send: `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`,
    then: 'wait',
    statusLine: /^HTTP\/1\.1 431 /,
  },
  {
    name: 'a malformed JSON body followed by garbage past its Content-Length',
    send: post('Content-Length: 10\r\n', '{"amount":GARBAGE GARBAGE\r\n\r\n'),
    then: 'wait',
    statusLine: /^HTTP\/1\.1 400 /,
  },
  { name: 'an HTTP/1.1 request without a Host header', send: 'GET /healthz HTTP/1.1\r\n\r\n', then: 'wait', statusLine: /^HTTP\/1\.1 400 / },
  { name: 'two Host headers', send: 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', then: 'wait', statusLine: /^HTTP\/1\.1 400 / },
  { name: 'an unsupported Expect header', send: 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 202-accepted\r\n\r\n', then: 'wait', statusLine: /^HTTP\/1\.1 417 / },
  { name: 'CONNECT (Coffer is not a proxy)', send: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', then: 'wait', statusLine: /^HTTP\/1\.1 404 / },
];
