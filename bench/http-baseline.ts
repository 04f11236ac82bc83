// B_http: the HTTP ceiling, a Fastify server whose one route parses a JSON body and returns a fixed small JSON object.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const fixed = { balance: 1000, currency: 'USD', customer_id: 'cus_fixed', created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' };
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/customers/:customer_id/wallets/ledger-entries', async () => fixed);
app.get('/*', async () => fixed);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
