/** The body of a `send` queue message (the record model is in src/store/types.ts). */

/** A `send` message on SEND_QUEUE: only the reference; the rest is in D1 and R2. */
export type SendJob = {
	kind: "send";
	ref: string;
};
