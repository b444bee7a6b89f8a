/**
 * Looking for a password where it must never be: the password itself, its
 * base64, and the base64 runs it makes inside any longer base64 text (at
 * each of the three byte alignments), so it is found even inside an
 * `AUTH PLAIN` blob. Also captures everything written to the console.
 */

const utf8 = new TextEncoder();

const base64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

/** The strings whose presence anywhere reveals `password`. */
export function needlesFor(password: string): string[] {
	const bytes = utf8.encode(password);
	const needles = new Set([password, base64(bytes)]);
	for (const shift of [1, 2]) {
		const shifted = new Uint8Array(shift + bytes.length);
		shifted.set(bytes, shift);
		// Skip the first group (it mixes in the bytes before) and the last partial one.
		needles.add(base64(shifted).slice(4, 4 * Math.floor((shift + bytes.length) / 3)));
	}
	return [...needles];
}

/** Every place (label) whose text holds a needle. */
export function leaksIn(texts: [label: string, text: string][], needles: string[]): string[] {
	return texts.filter(([, text]) => needles.some((n) => text.includes(n))).map(([label]) => label);
}

const methods = ["log", "info", "warn", "error", "debug"] as const;

/** Captures console output until `stop()` (and still lets it through). */
export function captureConsole(): { lines: string[]; stop(): void } {
	const lines: string[] = [];
	const originals = methods.map((m) => console[m]);
	for (const [i, m] of methods.entries()) {
		console[m] = (...args: unknown[]) => {
			lines.push(args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" "));
			originals[i].apply(console, args);
		};
	}
	return {
		lines,
		stop() {
			for (const [i, m] of methods.entries()) console[m] = originals[i];
		},
	};
}

function safeJson(value: unknown): string {
	if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}`;
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}

/** An error as every text it could be shown as: message, stack, own fields, and its causes. */
export function errorTexts(error: unknown, label: string): [string, string][] {
	const out: [string, string][] = [];
	let current: unknown = error;
	for (let depth = 0; current !== undefined && depth < 5; depth++) {
		if (current instanceof Error) {
			out.push([
				`${label} (cause ${depth})`,
				`${String(current)}\n${current.stack ?? ""}\n${safeJson({ ...current })}`,
			]);
			current = current.cause;
		} else {
			out.push([`${label} (cause ${depth})`, safeJson(current)]);
			current = undefined;
		}
	}
	return out;
}
