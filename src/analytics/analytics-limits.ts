// Limits of the analytics reads and the rollup job (units last in the names).

export const rollupJobKind = 'analytics.rollup';
/** The one rollup job row: it reschedules itself (a deferral), so it never finishes. */
export const rollupJobKey = 'rollups';
/** Wallets one rollup round brings up to date, and entries it reads of each (the rest waits for the next round). */
export const rollupWalletsPerRoundMax = 200;
export const rollupEntriesPerWalletMax = 20_000;
/**
 * A round takes no further wallet after this long (its transaction holds SQLite's one connection, so it bounds how
 * long a read or a ledger batch waits behind it), or after the in-use figure while the API serves requests.
 */
export const rollupRoundMsMax = 100;
export const rollupInUseRoundMsMax = 15;
/** While wallets lag, the least time between two rounds. */
export const rollupCatchUpGapMs = 250;
/**
 * Entries per statement block (migration 0020): a statement reads the blocks its range covers whole and at most twice
 * this many entries around them from the ledger; a block's text is ~230 bytes an entry.
 */
export const statementBlockEntries = 100;
/** Entries a JSON statement lists; a longer statement is read as CSV (streamed). */
export const statementEntriesMax = 10_000;
/** Days a trend or a report spans at most. */
export const rangeDaysMax = 1_830;
export const topCustomersMax = 100;
/** Debits before the window that a forecast needs, and the share of the window it must cover, to be confident. */
export const forecastDebitsMin = 5;
/** Spend more irregular than this (coefficient of variation of daily spend) makes a forecast low-confidence. */
export const forecastIrregularity = 1.5;
/** A credit within this many days makes a forecast low-confidence (the burn rate does not see the top-up's use). */
export const forecastRecentTopUpDays = 3;
