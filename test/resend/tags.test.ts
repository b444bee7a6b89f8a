/** The tag rules every door shares (Resend's): characters, lengths, count, names once; and the ?tag= filter. */
import { describe, expect, it } from "vitest";
import { MAX_TAGS, TagFilterSchema, TagsSchema } from "../../src/send/tags";
import { fieldErrors } from "../../src/util/field-path";

const errorsOf = (tags: unknown) => {
	const parsed = TagsSchema.safeParse(tags);
	return parsed.success ? [] : fieldErrors(parsed.error.issues).map((e) => e.path);
};

describe("tags", () => {
	it("takes ASCII letters, digits, _ and -, a name of 1–256 and a value of up to 256 characters", () => {
		const long = "a".repeat(256);
		expect(
			errorsOf([
				{ name: "category", value: "confirm_email" },
				{ name: long, value: long },
				{ name: "x-1", value: "" },
			]),
		).toEqual([]);
	});

	it("refuses other characters, longer parts, an empty name and unknown keys, each at its path", () => {
		expect(
			errorsOf([
				{ name: "with space", value: "ok" },
				{ name: "ok", value: "é" },
				{ name: "a".repeat(257), value: "ok" },
				{ name: "", value: "ok" },
				{ name: "ok2", value: "ok", color: "red" },
			]),
		).toEqual(["[0].name", "[1].value", "[2].name", "[3].name", "[4].color"]);
	});

	it("refuses a name given twice (Resend's webhooks carry tags as an object) and more than 75 tags", () => {
		expect(
			errorsOf([
				{ name: "a", value: "1" },
				{ name: "b", value: "2" },
				{ name: "a", value: "3" },
			]),
		).toEqual(["[2].name"]);
		const many = Array.from({ length: MAX_TAGS + 1 }, (_, i) => ({ name: `t${i}`, value: "v" }));
		expect(errorsOf(many.slice(0, MAX_TAGS))).toEqual([]);
		expect(errorsOf(many)).toEqual([""]);
	});

	it("reads ?tag=name:value filters, the value maybe empty, and refuses others", () => {
		const filter = (raw: string) => {
			const parsed = TagFilterSchema.safeParse(raw);
			return parsed.success ? parsed.data : "refused";
		};
		expect(filter("category:welcome")).toEqual({ name: "category", value: "welcome" });
		expect(filter("category:")).toEqual({ name: "category", value: "" });
		for (const raw of ["category", "a b:c", "a:b:c", ":x"]) expect(filter(raw), raw).toBe("refused");
	});
});
