/**
 * Tags on /v1/send and /v1/batch: kept on the record, shown by GET
 * /v1/messages/{ref}, filtered by ?tag=name:value, not sent to the relay
 * unless TAGS_HEADER names a header for them.
 */
import { describe, expect, it } from "vitest";
import { startRelay } from "../helpers/relay";
import { auth, call, message, parse, post, problemOf, relayAt } from "./support";

const get = (path: string) => call(path, { headers: auth });

describe("tags", () => {
	it("are kept on the record, shown by GET, and filter the list by name:value", async () => {
		const relay = await startRelay({ security: "starttls" });
		const unique = `t${Date.now()}`;
		const tagged = [
			{ name: "campaign", value: unique },
			{ name: "tier", value: "gold" },
		];
		const one = await post("/v1/send", message("tagged", { tags: tagged }), relayAt(relay.port));
		expect(one.status).toBe(200);
		const { ref } = (await one.json()) as { ref: string };
		const batch = await post(
			"/v1/batch",
			{
				messages: [
					message("b1", { tags: [{ name: "campaign", value: unique }] }),
					message("b2", { tags: [{ name: "campaign", value: `${unique}-other` }] }),
				],
			},
			relayAt(relay.port),
		);
		const refs = ((await batch.json()) as { results: { ref: string }[] }).results.map((r) => r.ref);

		expect(((await (await get(`/v1/messages/${ref}`)).json()) as { tags: unknown }).tags).toEqual(tagged);
		const list = (await (await get(`/v1/messages?tag=campaign:${unique}`)).json()) as { messages: { ref: string }[] };
		expect(list.messages.map((m) => m.ref)).toEqual([refs[0], ref]);
		const none = (await (await get(`/v1/messages?tag=tier:${unique}`)).json()) as { messages: unknown[] };
		expect(none.messages).toEqual([]);

		const [sent] = await relay.messages();
		expect((await parse(sent)).headers.map((h) => h.key)).not.toContain("x-tags");
		await relay.stop();
	});

	it("are refused, each at its path, when they break Resend's rules", async () => {
		const tags = [
			{ name: "a b", value: "x" },
			{ name: "dup", value: "1" },
			{ name: "dup", value: "2" },
		];
		const response = await post("/v1/send", message("bad", { tags }));
		const p = await problemOf(response);
		expect(p.code).toBe("validation_failed");
		expect(p.errors?.map((e) => e.path)).toEqual(["tags[0].name", "tags[2].name"]);
		const filter = await problemOf(await get("/v1/messages?tag=nocolon"));
		expect(filter.errors?.map((e) => e.path)).toEqual(["tag"]);
	});

	it("go to the relay in TAGS_HEADER when the operator names one", async () => {
		const relay = await startRelay({ security: "starttls" });
		const tags = [
			{ name: "campaign", value: "nov" },
			{ name: "user_id", value: "42" },
		];
		const response = await post(
			"/v1/send",
			message("header", { tags }),
			relayAt(relay.port, { TAGS_HEADER: "X-Tags" }),
		);
		expect(response.status).toBe(200);
		const [sent] = await relay.messages();
		expect((await parse(sent)).headers.find((h) => h.key === "x-tags")?.value).toBe("campaign=nov; user_id=42");
		await relay.stop();
	});
});
