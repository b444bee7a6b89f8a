/**
 * Byte helpers every part shares: base64 in (attachments, the webhook secret
 * and signatures) and out (attachments for the provider's REST API), hex out
 * (names that must not reveal what they name), and joining byte arrays (the
 * one loop for it, the SMTP DATA stream's too).
 */

/** The bytes of standard base64 (padding optional), or undefined when `text` is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
	let binary: string;
	try {
		binary = atob(text);
	} catch {
		return undefined;
	}
	// A plain loop: attachments run to megabytes.
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

/** Standard base64 with padding, on one line. */
export function encodeBase64(bytes: Uint8Array): string {
	// In slices: String.fromCharCode takes its arguments on the stack.
	let binary = "";
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(binary);
}

/** Lower-case hex, two digits a byte. */
export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The parts one after another, in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
	let length = 0;
	for (const part of parts) length += part.length;
	const out = new Uint8Array(length);
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
