/**
 * SMTP AUTH as the provider's document shows it:
 *
 *   C: AUTH LOGIN base64(api_user[#label_id])     (the user as initial response)
 *   S: 334 UGFzc3dvcmQ6
 *   C: base64(api_key)
 *   S: 235 Authentication successful
 *
 * and AUTH PLAIN when LOGIN is not offered. Credentials travel only in the
 * commands written here, which are always masked in traces.
 */
import type { Capabilities } from "./capabilities.ts";
import { SmtpError } from "./errors.ts";
import type { Wire } from "./wire.ts";

const encoder = new TextEncoder();

/** Base64 of the UTF-8 bytes of `text` (btoa alone only takes Latin-1). */
export function base64Utf8(text: string): string {
	const bytes = encoder.encode(text);
	let binary = "";
	for (let i = 0; i < bytes.length; i += 0x8000) {
		binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	}
	return btoa(binary);
}

/** The strings that would reveal the password if they reached a reply, a log or an error. */
export function secretsOf(user: string, pass: string): string[] {
	const secrets = [base64Utf8(pass), base64Utf8(`\0${user}\0${pass}`)];
	// The bare password only when long enough not to match ordinary words of a reply
	// (masking "failed" in "Authentication failed" would tell the password).
	if (pass.length >= 8) secrets.push(pass);
	return secrets.filter((s) => s.length > 0);
}

export type AuthMechanism = "LOGIN" | "PLAIN";

/** LOGIN when offered (the provider's way), else PLAIN. */
export function chooseMechanism(caps: Capabilities): AuthMechanism | null {
	if (caps.auth.includes("LOGIN")) return "LOGIN";
	if (caps.auth.includes("PLAIN")) return "PLAIN";
	return null;
}

const USERNAME_PROMPT = "VXNlcm5hbWU6"; // base64("Username:")

export async function authenticate(wire: Wire, caps: Capabilities, user: string, pass: string): Promise<void> {
	const mechanism = chooseMechanism(caps);
	if (!mechanism) {
		throw new SmtpError(
			`the relay offers no AUTH mechanism this client speaks (offered: ${caps.auth.join(" ") || "none"})`,
			{ stage: "auth", kind: "protocol" },
		);
	}
	let reply =
		mechanism === "PLAIN"
			? await wire.command(`AUTH PLAIN ${base64Utf8(`\0${user}\0${pass}`)}`, "auth", "AUTH PLAIN ***")
			: await wire.command(`AUTH LOGIN ${base64Utf8(user)}`, "auth");
	if (mechanism === "LOGIN") {
		// A server that ignores the initial response asks for the user again.
		if (reply.code === 334 && reply.lines[0]?.trim() === USERNAME_PROMPT) {
			reply = await wire.command(base64Utf8(user), "auth");
		}
		if (reply.code === 334) reply = await wire.command(base64Utf8(pass), "auth", "***");
	}
	if (reply.code !== 235) throw wire.replyError("auth", reply, "authentication failed");
}
