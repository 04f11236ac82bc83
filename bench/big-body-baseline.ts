// B_body: what sending a statement-sized JSON body costs the HTTP stack and the load generator alone: a Fastify
// server whose one route returns a fixed string of BODY_BYTES (default 300,000) bytes of JSON, as the statement does.
import Fastify from 'fastify';

const bodyBytes = Number(process.env.BODY_BYTES ?? 300_000);
const entry = '{"id":"cwt_an00000000000005010000000000000001","created_at":"2025-12-02T02:13:00.000Z","event_type":"payment","is_credit":true,"amount":1000,"before_balance":0,"after_balance":1000,"reason":null,"reference_object_id":null}';
const entries = Array.from({ length: Math.max(1, Math.floor(bodyBytes / (entry.length + 1))) }, () => entry);
const fixed = `{"customer_id":"cus_fixed","entries":[${entries.join(',')}]}`;
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/*', async (_request, reply) => reply.type('application/json; charset=utf-8').send(fixed));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
