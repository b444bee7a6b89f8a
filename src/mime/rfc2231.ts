/**
 * MIME parameters (RFC 2045 §5.1) such as `filename`, written so that each
 * piece fits its own folded header line: a quoted string when short plain
 * ASCII, RFC 2231 §3 continuations (`filename*0="…"`) when long, and RFC 2231
 * §4 extended values (`filename*=utf-8''…`, `filename*0*=…`) when not ASCII.
 */

/** Longest piece: a folded line is ` piece;`, at most 78 characters. */
const MAX_PIECE = 76;

/** `attribute-char` (RFC 2231 §7): what an extended value carries without `%XX`. */
const ATTRIBUTE_CHAR = /^[A-Za-z0-9!#$&+\-.^_`{|}~]$/;
const HEX = "0123456789ABCDEF";
const encoder = new TextEncoder();

/** The parameter as `attribute=value` strings, to be joined with `;` and folding white space. */
export function encodeParameter(name: string, value: string, maxPiece = MAX_PIECE): string[] {
	if (/^[\x20-\x7e]*$/.test(value)) {
		const quoted = `${name}="${quote(value)}"`;
		return quoted.length <= maxPiece ? [quoted] : continuedQuoted(name, value, maxPiece);
	}
	return extendedParameter(name, value, maxPiece);
}

/** RFC 2231 §4: `name*=utf-8''…` or, when too long for one line, `name*0*=utf-8''…; name*1*=…`. */
export function extendedParameter(name: string, value: string, maxPiece = MAX_PIECE): string[] {
	const single = `${name}*=utf-8''${percentEncode(value)}`;
	if (single.length <= maxPiece) return [single];
	// Split between whole characters: some decoders decode each section alone.
	const sections: string[] = [];
	let current = "utf-8''";
	for (const char of value) {
		const encoded = percentEncode(char);
		const head = `${name}*${sections.length}*=`;
		if (current !== "utf-8''" && current !== "" && head.length + current.length + encoded.length > maxPiece) {
			sections.push(`${head}${current}`);
			current = "";
		}
		current += encoded;
	}
	sections.push(`${name}*${sections.length}*=${current}`);
	return sections;
}

/** RFC 2231 §3: `name*0="…"; name*1="…"` for long plain ASCII values. */
function continuedQuoted(name: string, value: string, maxPiece: number): string[] {
	const sections: string[] = [];
	let current = "";
	for (const char of value) {
		const escaped = quote(char);
		const head = `${name}*${sections.length}=""`;
		if (current && head.length + current.length + escaped.length > maxPiece) {
			sections.push(`${name}*${sections.length}="${current}"`);
			current = "";
		}
		current += escaped;
	}
	sections.push(`${name}*${sections.length}="${current}"`);
	return sections;
}

/** The inside of a quoted-string: backslash and double quote escaped. */
export function quote(value: string): string {
	return value.replace(/[\\"]/g, "\\$&");
}

function percentEncode(text: string): string {
	let out = "";
	for (const char of text) {
		if (ATTRIBUTE_CHAR.test(char)) out += char;
		else for (const b of encoder.encode(char)) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
	}
	return out;
}
