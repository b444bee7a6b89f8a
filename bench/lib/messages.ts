/**
 * The messages every client is asked to produce, as plain data in edgesend's
 * own input shape (src/mime's MessageInput); each peer's driver translates
 * them into its own API. Pure and dependency-free: the bench worker (inside
 * workerd) and the composition children (in Node) import the same file.
 */

export interface BenchAddress {
	email: string;
	name?: string;
}

export interface BenchAttachment {
	filename: string;
	type: string;
	disposition: "attachment" | "inline";
	contentId?: string;
	content: Uint8Array;
}

export interface BenchMessage {
	from: BenchAddress;
	to: BenchAddress[];
	subject: string;
	text: string;
	html: string;
	attachments: BenchAttachment[];
}

const sender: BenchAddress = { email: "support@bench.edgesend.test", name: "Bench Support" };

export function recipients(count: number): BenchAddress[] {
	return Array.from({ length: count }, (_, i) => ({ email: `user${i + 1}@bench.edgesend.test` }));
}

/** Roughly `bytes` of ordinary prose with a few non-ASCII characters, as real mail has. */
function prose(bytes: number): string {
	const sentence = "Hello Zoë, your order #4821 is on its way — total 42,00 €. Thanks for shopping with us! ";
	return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

function htmlOf(text: string, images: string[] = []): string {
	const paragraphs = text.match(/.{1,400}/gs) ?? [];
	const body = paragraphs.map((p) => `<p style="font-family:Arial,sans-serif;color:#333">${p}</p>`).join("\n");
	const imgs = images.map((cid) => `<img src="cid:${cid}" alt="${cid}" width="600">`).join("\n");
	return `<!doctype html>\n<html><body>\n${imgs}\n${body}\n</body></html>\n`;
}

/** A small transactional message: the round-trip case, where content size does not matter. */
export function smallMessage(to: BenchAddress[]): BenchMessage {
	const text = prose(600);
	return { from: sender, to, subject: "Your receipt", text, html: htmlOf(text), attachments: [] };
}

/**
 * Text + HTML coming to about `bytes` once encoded (quoted-printable grows the
 * non-ASCII characters), 1 recipient: the batch message (~10 KB) and the
 * typical message (~20 KB).
 */
export function textMessage(bytes: number, index = 0): BenchMessage {
	return {
		from: sender,
		to: recipients(1),
		subject: `Your receipt #${index + 1}`,
		text: prose(Math.round(bytes * 0.27)),
		html: htmlOf(prose(Math.round(bytes * 0.43))),
		attachments: [],
	};
}

/** Incompressible bytes, as image data is; a fixed xorshift so every run composes the same message. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
	const bytes = new Uint8Array(length);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		bytes[i] = x & 0xff;
	}
	return bytes;
}

/** HTML + text + three ~5 MB inline images: about 15 MB of input, about 20 MB once base64-encoded. */
export function largeMessage(imageBytes = 5_000_000): BenchMessage {
	const cids = ["hero", "chart", "footer"];
	const text = prose(20_000);
	return {
		from: sender,
		to: recipients(1),
		subject: "Your monthly report",
		text,
		html: htmlOf(prose(30_000), cids),
		attachments: cids.map((cid, i) => ({
			filename: `${cid}.png`,
			type: "image/png",
			disposition: "inline",
			contentId: cid,
			content: pseudoRandomBytes(imageBytes, i + 1),
		})),
	};
}
