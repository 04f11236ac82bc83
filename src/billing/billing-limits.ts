// Bounds and names of billing, unit last in each name.

/** Line items per invoice, and the longest description. */
export const lineItemsMax = 100;
export const lineItemDescriptionLengthMax = 500;
/** Metadata keys per invoice, and the longest key and value. */
export const metadataKeysMax = 50;
export const metadataValueLengthMax = 500;

/** The job that resumes a payment left processing (a crash, a processor that did not answer); its key is the payment id. */
export const paymentRecoveryJobKind = 'billing.recover_payment';
/** How long after a payment starts its recovery job is due: longer than a payment takes when nothing goes wrong. */
export const paymentRecoveryDelayMs = 60_000;
/** Attempts of the recovery job before it fails for good (the payment then stays processing: the job log shows it). */
export const paymentRecoveryAttemptsMax = 20;

/** The scope of every key Coffer derives for invoice payments (the hold, the capture entry). */
export const invoicePaymentScope = 'coffer:invoice_payment' as const;

/** The job that resumes a top-up left processing; its key is the payment id. */
export const topUpRecoveryJobKind = 'billing.recover_top_up';
/** The scope of the keys Coffer derives for top-ups (the wallet credit). */
export const topUpScope = 'coffer:top_up' as const;
/** The scope of the keys Coffer derives for refunds (the wallet credits, the card refund's fallback). */
export const refundScope = 'coffer:refund' as const;
/** The job that runs a refund's card part through the processor (and resumes a refund left pending); key: the refund id. */
export const refundJobKind = 'billing.run_refund';
export const refundJobAttemptsMax = 20;
/** The scope of the keys Coffer derives for disputes and reversals (the hold, its capture). */
export const disputeScope = 'coffer:dispute' as const;
/** The longest refund reason, as Dodo's contract gives it. */
export const refundReasonLengthMax = 3000;
