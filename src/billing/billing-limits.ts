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
