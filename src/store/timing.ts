/**
 * The store's clocks, in one place: how long a claim holds a message, how
 * long a job may be late before the sweep queues another, how long an event
 * waits for its record. Every threshold is at most five minutes, so a Worker
 * killed with everything in flight has every accepted message moving again
 * within minutes of its objects' next alarm.
 */

/** A claimed message is `sending` this long; past it, delivery may have happened and nobody said: `unknown`. */
export const LEASE_MS = 5 * 60_000;
/** A job (send or webhook) this late past its expected time is taken for lost: the sweep queues another. */
export const SWEEP_AFTER_MS = 3 * 60_000;
/** A webhook attempt holds its delivery this long (well past the receiver's 10 s timeout). */
export const ATTEMPT_LEASE_MS = 60_000;
/** A relay id the index has not confirmed after this long is put again by the sweep. */
export const INDEX_RECHECK_MS = 60_000;
/**
 * A provider event with no record waits this long before it goes out with
 * `ref: null`: longer than the index re-check, so that an event of a record
 * whose relay id the index missed (its Worker died between finishing the
 * record and putting the id) is filed on the record once the sweep puts the
 * id again, and goes out after the record's `message.sent`, not before it.
 */
export const HOLD_MS = 2 * INDEX_RECHECK_MS;
/** Queue messages can be delayed at most 12 h: a send due later is queued by the sweep when it comes near. */
export const MAX_QUEUE_DELAY_MS = 12 * 3_600_000;
/** How many rows a sweep handles per kind before it lets the next alarm go on. */
export const SWEEP_BATCH = 500;

const DEFAULT_RETENTION_DAYS = 30;

/** MESSAGE_RETENTION_DAYS as the objects read it from their own environment (30 when unset or not a number). */
export function retentionMs(setting: string | undefined): number {
	const days = Number(setting ?? DEFAULT_RETENTION_DAYS);
	return (Number.isFinite(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS) * 86_400_000;
}
