// A webhook receiver for the benchmark's webhook phase: answers every delivery 204 at once and counts them.
import http from 'node:http';

let received = 0;
const server = http.createServer((request, response) => {
  if (request.method === 'POST') {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(204).end();
    });
    return;
  }
  if (request.url === '/count') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }));
    return;
  }
  response.writeHead(200).end('ok');
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
