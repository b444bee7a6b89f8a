/**
 * What config.ts and routes-config.ts share to read settings: which of a
 * list `env` sets (an empty var counts as unset, so defaults apply to it),
 * and the one spelling of a whole-number setting's rule.
 */
import { z } from "zod";

/** The settings of `names` that `env` sets to something other than "". */
export function pickSettings<N extends string>(
	env: Partial<Record<N, unknown>>,
	names: readonly N[],
): Record<string, unknown> {
	return Object.fromEntries(
		names.filter((name) => env[name] !== undefined && env[name] !== "").map((name) => [name, env[name]]),
	);
}

/** A whole number from `min` to `max` (vars are strings; a TOML number may arrive as one). */
export const wholeNumber = (min: number, max: number) =>
	z.coerce
		.number({ error: "must be a whole number" })
		.int("must be a whole number")
		.min(min, `must be at least ${min}`)
		.max(max, `must be at most ${max}`);
