// Formats a torture summary for the terminal: operations, kills, restarts, and each invariant with PASS or FAIL.
import type { TortureSummary } from './torture.ts';

export function formatSummary(summary: TortureSummary): string {
  const lines = [
    `== ${summary.store}: seed ${summary.seed}, ${summary.options.clients} clients, ${Math.round(summary.durationMs / 1000)} s`,
    `operations: ${summary.operations.issued} issued, ${summary.operations.total} results (a racing credit counts both of its sends)`,
  ];
  for (const [kind, count] of Object.entries(summary.operations.byKind)) {
    const outcomes = Object.entries(count.outcomes).map(([outcome, n]) => `${outcome} ${n}`).join(', ');
    lines.push(`  ${kind.padEnd(17)} ${String(count.count).padStart(8)}  (${outcomes})`);
  }
  const r = summary.requests;
  lines.push(
    `write attempts: ${r.attempts} (${r.retriedWrites} resends; ${r.noResponse} without an answer, ${r.status5xx} 5xx, ${r.status429} 429)`,
    `kills: ${summary.kills} SIGKILL, restarts: ${summary.restarts} (mean ${summary.restartMs.mean} ms, max ${summary.restartMs.max} ms to healthy); final SIGTERM ${summary.gracefulStop ? 'exited cleanly' : 'did not exit cleanly'}`,
    `keys: ${summary.keys.acknowledged} acknowledged, ${summary.keys.refused} refused, ${summary.keys.unknown} unknown to their client ` +
      `(${summary.keys.committedUnacknowledged} of them committed); entries ${summary.entries}; balances ${JSON.stringify(summary.balancesByCurrency)}`,
  );
  if (summary.committedUnacknowledged.length > 0) {
    const shown = summary.committedUnacknowledged.slice(0, 20).map((c) => `${c.key} (${c.currency} ${c.signedAmount}, ${c.reason})`);
    const more = summary.committedUnacknowledged.length - shown.length;
    lines.push(`committed but unacknowledged: ${shown.join(', ')}${more > 0 ? ` … and ${more} more (see the JSON summary)` : ''}`);
  }
  lines.push('invariants:');
  for (const invariant of summary.invariants) {
    lines.push(`  ${invariant.ok ? 'PASS' : 'FAIL'}  ${invariant.name} — ${invariant.detail}`);
    for (const example of invariant.examples) lines.push(`          ${example}`);
  }
  if (summary.error) lines.push(`error: ${summary.error}`);
  lines.push(`${summary.passed ? 'PASS' : 'FAIL'} ${summary.store}`);
  return lines.join('\n');
}
