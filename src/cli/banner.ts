// What `coffer serve` prints once it listens: where it is, the API key, a curl line and an official-SDK example to paste.
import type { StoreKind } from '../config/config.ts';

export interface BannerFacts {
  version: string;
  baseUrl: string;
  store: StoreKind;
  /** The SQLite file, or null on PostgreSQL (its URL may carry a password). */
  sqliteFile: string | null;
  /** The key to show, or null when there is none to show (then the banner says how to create one). */
  apiKey: string | null;
  /** Where the embedded default keeps the key, when it does. */
  apiKeyFile: string | null;
  metricsUrl: string;
}

/** The SDK snippet, filled in: paste it into a .mjs file in a project that has `dodopayments` installed. */
export function sdkSnippet(baseUrl: string, apiKey: string | null): string[] {
  return [
    "import DodoPayments from 'dodopayments';",
    `const client = new DodoPayments({ bearerToken: '${apiKey ?? '<api key>'}', baseURL: '${baseUrl}' });`,
    "const customer = await client.customers.create({ email: 'ada@example.com', name: 'Ada' });",
    'await client.customers.wallets.ledgerEntries.create(customer.customer_id, {',
    "  amount: 1000, currency: 'USD', entry_type: 'credit', reason: 'Welcome bonus', idempotency_key: `welcome_${customer.customer_id}`,",
    '});',
    'console.log(await client.customers.wallets.list(customer.customer_id));',
  ];
}

export function banner(facts: BannerFacts): string {
  const { baseUrl, apiKey } = facts;
  const keyLines = apiKey
    ? [`API key: ${apiKey}`, ...(facts.apiKeyFile ? [`  (kept in ${facts.apiKeyFile}; created on the first start)`] : [])]
    : ['API key: create one with `npx coffer business create --name "My business"` (it prints the key)'];
  return [
    '',
    `Coffer is listening on ${baseUrl} (${facts.store}${facts.sqliteFile ? `: ${facts.sqliteFile}` : ''}), version ${facts.version}`,
    ...keyLines,
    `API reference: ${baseUrl}/docs    metrics: ${facts.metricsUrl}`,
    '',
    'Try it:',
    `  curl -s -X POST ${baseUrl}/customers -H "Authorization: Bearer ${apiKey ?? '<api key>'}" -H "Content-Type: application/json" -d '{"email":"ada@example.com","name":"Ada"}'`,
    '',
    'From the official SDK (npm install dodopayments; save as example.mjs, run with node example.mjs):',
    ...sdkSnippet(baseUrl, apiKey).map((line) => `  ${line}`),
    '',
    'Ctrl-C stops the server; the data stays for the next start.',
    '',
  ].join('\n');
}
