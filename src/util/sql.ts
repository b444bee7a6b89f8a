/**
 * SQL text built in one place: the `?, ?, …` of an `IN (…)` list, one
 * placeholder per value bound after it (values are always bound, never
 * written into the text).
 */

/** `?, ?, ?` for three values. */
export const placeholders = (values: readonly unknown[]): string => values.map(() => "?").join(", ");
