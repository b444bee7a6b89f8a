/**
 * The answer of `POST /emails/batch` from what became of each email, in
 * Resend's shape: `data` is `[{id}]` for each email that went (or was
 * scheduled), in request order; `errors` is `[{index, message}]` for the
 * others. Validation follows `x-batch-validation`: in strict mode one
 * invalid email refuses the batch before anything is sent (refuseStrict); in
 * permissive mode the invalid ones are listed. An email the relay refused is
 * listed in both modes (Resend learns that later, from its own delivery; we
 * know it now). In strict mode, when the relay took none of them, the batch
 * answers the first such error, as a single email would, so that a client
 * retries it whole; a permissive client reads each email's error instead.
 */
import type { BatchValidation } from "./batch-validation";
import type { ResendError } from "./errors";

export type ItemOutcome = { index: number; id: string } | { index: number; error: ResendError };

export type BatchAnswer =
	| { ok: true; body: { data: { id: string }[]; errors?: { index: number; message: string }[] } }
	| { ok: false; error: ResendError };

/** An item's error, saying which email it is about. */
const about = (index: number, error: ResendError): ResendError => ({
	...error,
	message: `emails[${index}]: ${error.message}`,
});

/** Strict mode: the first invalid email's error refuses the batch. */
export const refuseStrict = (invalid: { index: number; error: ResendError }[]): ResendError | undefined => {
	const [first] = [...invalid].sort((a, b) => a.index - b.index);
	return first && about(first.index, first.error);
};

export function batchAnswer(mode: BatchValidation, outcomes: readonly ItemOutcome[]): BatchAnswer {
	const ordered = [...outcomes].sort((a, b) => a.index - b.index);
	const data = ordered.flatMap((o) => ("id" in o ? [{ id: o.id }] : []));
	const failed = ordered.flatMap((o) => ("error" in o ? [o] : []));
	if (mode === "strict" && data.length === 0 && failed.length > 0)
		return { ok: false, error: about(failed[0].index, failed[0].error) };
	const errors = failed.map((o) => ({ index: o.index, message: o.error.message }));
	return { ok: true, body: mode === "permissive" || errors.length ? { data, errors } : { data } };
}
