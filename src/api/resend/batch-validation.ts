/**
 * The `x-batch-validation` header of `POST /emails/batch`: `strict` (also
 * when absent, as Resend and its SDK default) refuses the whole batch when
 * one email is invalid, nothing sent; `permissive` sends the valid ones and
 * lists the others in `errors`. Any other value is refused, not guessed.
 */
export type BatchValidation = "strict" | "permissive";

export function batchValidationOf(header: string | undefined): BatchValidation | { error: string } {
	const value = (header ?? "strict").trim().toLowerCase();
	if (value === "strict" || value === "permissive") return value;
	return { error: "x-batch-validation must be strict or permissive" };
}
