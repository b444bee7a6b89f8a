/**
 * Resource bounds: `url` attachments follow at most three redirects, each
 * https before it is requested and each counted against the request's fetch
 * budget; a batch's encoded messages together stay under MAX_BATCH_BYTES.
 */
import { describe, expect, it } from "vitest";
import { MAX_BATCH_BYTES } from "../../src/send/send-batch";
import { FetchBudget, fetchAttachment } from "../../src/send/url-attachment";
import { startRelay } from "../helpers/relay";
import { base64, message, post, problemOf, relayAt, serveFiles } from "./support";

const hop = (location: string) => ({ base64: "", status: 302, location });

describe("url attachments: redirects by hand", () => {
	it("follows up to three https redirects, refuses a fourth, and never requests a plaintext URL", async () => {
		const plain = await startRelay({ security: "none" }); // anything that arrives here shows as a connection
		const files = await serveFiles({
			"/file.txt": { base64: btoa("the file"), type: "text/plain" },
			"/a": hop("/b"),
			"/b": hop("/c"),
			"/c": hop("/file.txt"),
			"/z": hop("/a"),
			"/to-http": hop(`http://localhost:${plain.port}/file.txt`),
		});
		const relay = await startRelay({ security: "starttls" });
		const send = (path: string) =>
			post(
				"/v1/send",
				message("redirect", { attachments: [{ filename: "f.txt", url: files.url(path) }] }),
				relayAt(relay.port),
			);
		expect((await send("/a")).status).toBe(200);
		const tooMany = await send("/z");
		expect(tooMany.status).toBe(422);
		expect((await problemOf(tooMany)).detail).toMatch(/more than 3/);
		const toHttp = await send("/to-http");
		expect(toHttp.status).toBe(422);
		expect((await problemOf(toHttp)).errors?.[0].path).toBe("attachments[0].url");
		expect(await plain.connections()).toHaveLength(0);
		expect(await relay.messages()).toHaveLength(1);
		await Promise.all([files.stop(), relay.stop(), plain.stop()]);
	});

	it("counts every hop against the request's fetch budget", async () => {
		const files = await serveFiles({ "/file.txt": { base64: btoa("x") }, "/a": hop("/b"), "/b": hop("/file.txt") });
		const at = (budget: FetchBudget) => ({ index: 0, filename: "f.txt", maxBytes: 1000, budget });
		const enough = new FetchBudget(3);
		expect((await fetchAttachment(files.url("/a"), at(enough))).bytes).toEqual(new TextEncoder().encode("x"));
		expect(enough.left).toBe(0);
		const short = fetchAttachment(files.url("/a"), at(new FetchBudget(2)));
		await expect(short).rejects.toMatchObject({ problem: { code: "attachment_fetch_failed" } });
		await files.stop();
	});
});

describe("batch memory", () => {
	it(`refuses the message that would take the batch's encoded total past ${MAX_BATCH_BYTES} bytes (413)`, async () => {
		const eight = new Uint8Array(8_000_000).map((_, i) => i % 251);
		const files = await serveFiles({ "/big.bin": { base64: base64Big(eight), type: "application/octet-stream" } });
		const relay = await startRelay({ security: "starttls" });
		const big = (tag: string) => message(tag, { attachments: [{ filename: "big.bin", url: files.url("/big.bin") }] });
		const response = await post(
			"/v1/batch",
			{ messages: [big("b0"), big("b1"), big("b2"), message("small")] },
			relayAt(relay.port),
		);
		expect(response.status).toBe(200);
		const { results } = (await response.json()) as { results: { status: number; code?: string; detail?: string }[] };
		expect(results.map((r) => r.status)).toEqual([200, 200, 413, 200]);
		expect(results[2].code).toBe("payload_too_large");
		expect(results[2].detail).toMatch(/batch/);
		expect(await relay.messages()).toHaveLength(3);
		await Promise.all([files.stop(), relay.stop()]);
	}, 120_000);
});

/** base64 of a large array without spreading it into one call. */
function base64Big(bytes: Uint8Array): string {
	let out = "";
	for (let i = 0; i < bytes.length; i += 30_000) out += base64(bytes.subarray(i, i + 30_000));
	return out;
}
