// What the clients saw: every idempotency key with its request and answer, operation counts, and answer anomalies.

export type WriteKind = 'credit' | 'debit' | 'overdraw' | 'racing_credit';
export type KeyStatus = 'pending' | 'acknowledged' | 'refused' | 'unknown';

/** One idempotency key and the one request body it was first sent with. */
export interface KeyRecord {
  key: string;
  customerId: string;
  currency: string;
  amount: number;
  isCredit: boolean;
  kind: WriteKind;
  status: KeyStatus;
  /** Why an unknown key is unknown: the client gave up after a lost answer, or never got one in time. */
  unknownReason?: 'abandoned' | 'stuck' | 'anomaly';
  /** 200 answers seen for this key: more than one means a key was applied twice. */
  ok200: number;
  /** The entry id a 409 named; every later 409 must name the same one. */
  entryId?: string;
}

/** Kinds of anomaly a client can see in an answer; each maps to an invariant of the final report. */
export type AnomalyKind =
  | 'negative_balance_read'
  | 'inconsistent_page'
  | 'conflict_body_mismatch'
  | 'double_success'
  | 'unexpected_answer';

export interface OperationCount {
  count: number;
  outcomes: Record<string, number>;
}

const anomalyExamplesMax = 20;

export class Book {
  readonly keys = new Map<string, KeyRecord>();
  /** Acknowledged keys, for the repeat operations to pick from. */
  readonly acknowledged: KeyRecord[] = [];
  readonly operations: Record<string, OperationCount> = {};
  readonly requests = { attempts: 0, noResponse: 0, status5xx: 0, status429: 0, retriedWrites: 0 };
  readonly anomalies: Record<AnomalyKind, { count: number; examples: string[] }> = {
    negative_balance_read: { count: 0, examples: [] },
    inconsistent_page: { count: 0, examples: [] },
    conflict_body_mismatch: { count: 0, examples: [] },
    double_success: { count: 0, examples: [] },
    unexpected_answer: { count: 0, examples: [] },
  };
  reads = { wallets: 0, pages: 0, entriesSeen: 0 };

  addKey(record: Omit<KeyRecord, 'status' | 'ok200'>): KeyRecord {
    const full: KeyRecord = { ...record, status: 'pending', ok200: 0 };
    if (this.keys.has(full.key)) throw new Error(`key ${full.key} generated twice`);
    this.keys.set(full.key, full);
    return full;
  }

  acknowledge(record: KeyRecord): void {
    if (record.status === 'acknowledged') return;
    record.status = 'acknowledged';
    this.acknowledged.push(record);
  }

  count(kind: string, outcome: string): void {
    const entry = (this.operations[kind] ??= { count: 0, outcomes: {} });
    entry.count += 1;
    entry.outcomes[outcome] = (entry.outcomes[outcome] ?? 0) + 1;
  }

  anomaly(kind: AnomalyKind, detail: string): void {
    const entry = this.anomalies[kind];
    entry.count += 1;
    if (entry.examples.length < anomalyExamplesMax) entry.examples.push(detail);
  }

  get operationTotal(): number {
    return Object.values(this.operations).reduce((sum, o) => sum + o.count, 0);
  }
}
