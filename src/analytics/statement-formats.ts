// A statement as CSV (one line per entry, streamed) and as a printable HTML page (no external assets; its one inline
// style is allowed by hash in a CSP that allows nothing else).
import { createHash } from 'node:crypto';
import type { StatementEntry, StatementHeader } from './analytics-service.ts';

export const csvColumns = ['id', 'created_at', 'event_type', 'is_credit', 'amount', 'before_balance', 'after_balance', 'reason', 'reference_object_id'] as const;

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs a cell as a formula. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (entry: StatementEntry) => `${csvColumns.map((c) => csvCell(entry[c])).join(',')}\r\n`;

/** The header line, then one line per entry as the entries stream in. */
export async function* statementCsv(entries: AsyncIterable<StatementEntry>): AsyncGenerator<string> {
  yield `${csvColumns.join(',')}\r\n`;
  let chunk = '';
  for await (const entry of entries) {
    chunk += csvLine(entry);
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

const style = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:4px 6px;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}@media print{body{margin:0}}`;

export const statementContentSecurityPolicy = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function statementHtml(header: StatementHeader, entries: readonly StatementEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.created_at)}</td><td>${escapeHtml(e.event_type)}</td><td>${escapeHtml(e.reason ?? '')}</td>` +
        `<td class="n">${e.is_credit ? '' : e.amount}</td><td class="n">${e.is_credit ? e.amount : ''}</td><td class="n">${e.after_balance}</td></tr>`,
    )
    .join('\n');
  const totals = header.totals
    .map((t) => `<tr><td>${escapeHtml(t.event_type)}</td><td class="n">${t.debit_amount}</td><td class="n">${t.credit_amount}</td><td class="n">${t.entry_count}</td></tr>`)
    .join('\n');
  const title = `Statement ${header.customer_id} ${header.currency}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${style}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>From ${escapeHtml(header.from)} (inclusive) to ${escapeHtml(header.to)} (exclusive). Amounts in minor units of ${escapeHtml(header.currency)}.</p>
<p>Opening balance <strong>${header.opening_balance}</strong> · closing balance <strong>${header.closing_balance}</strong> · ${header.entry_count} entries</p>
<table><thead><tr><th>Created at</th><th>Event type</th><th>Reason</th><th class="n">Debit</th><th class="n">Credit</th><th class="n">Balance</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Totals by event type</h2>
<table><thead><tr><th>Event type</th><th class="n">Debits</th><th class="n">Credits</th><th class="n">Entries</th></tr></thead>
<tbody>
${totals}
</tbody></table>
</body></html>
`;
}
