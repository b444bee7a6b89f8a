/**
 * Where a message's spooled bytes (and, for the provider's REST API, its
 * fields) live in R2: written by the send path when the message is accepted,
 * deleted by the record's shard once the record is final. Named here, below
 * both, so they cannot disagree.
 */

export const spoolKey = (ref: string) => `spool/${ref}`;

export const fieldsKey = (ref: string) => `${spoolKey(ref)}.fields`;

/** Every key a message may have in the spool. */
export const spoolKeys = (ref: string) => [spoolKey(ref), fieldsKey(ref)];
