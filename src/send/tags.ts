/**
 * Tags: free-form `{name, value}` labels a caller puts on a message, kept on
 * its record, filterable, and carried in every webhook. One rule set for
 * every door, Resend's: ASCII letters, digits, `_` and `-`, at most 256
 * characters each, at most 75 tags (Resend's own limit, so no message a
 * Resend client sends is refused for its tag count). Names are unique within
 * a message: Resend's webhooks carry tags as a `{name: value}` object, where a
 * repeated name would silently lose a value.
 */
import { z } from "@hono/zod-openapi";

export const MAX_TAGS = 75;
export const MAX_TAG_LENGTH = 256;

const tagCharacters = /^[A-Za-z0-9_-]*$/;
const charactersRule = "may hold only ASCII letters, digits, _ and -";

export const TagSchema = z
	.strictObject({
		name: z.string().min(1).max(MAX_TAG_LENGTH).regex(tagCharacters, charactersRule).openapi({ example: "category" }),
		value: z.string().max(MAX_TAG_LENGTH).regex(tagCharacters, charactersRule).openapi({ example: "welcome" }),
	})
	.openapi("Tag");

export const TagsSchema = z
	.array(TagSchema)
	.max(MAX_TAGS)
	.superRefine((tags, ctx) => {
		const first = new Map<string, number>();
		for (const [index, tag] of tags.entries()) {
			if (typeof tag?.name !== "string") continue;
			const seen = first.get(tag.name);
			if (seen === undefined) first.set(tag.name, index);
			else ctx.addIssue({ code: "custom", path: [index, "name"], message: `repeats the name of tags[${seen}]` });
		}
	})
	.openapi({
		description: `Up to ${MAX_TAGS} labels, each name once: kept on the record, filterable, in every webhook`,
	});

export type Tag = z.infer<typeof TagSchema>;

/**
 * A `?tag=name:value` filter (the value may be empty: `name:`). A colon is
 * needed: a name alone could mean "any value", and we filter on exact pairs.
 */
export const TagFilterSchema = z
	.string()
	.transform((raw, ctx) => {
		const colon = raw.indexOf(":");
		const parsed =
			colon < 0 ? undefined : TagSchema.safeParse({ name: raw.slice(0, colon), value: raw.slice(colon + 1) });
		if (parsed?.success) return parsed.data;
		ctx.addIssue({
			code: "custom",
			message: `must be name:value, each part ${charactersRule}, the name 1–256 characters, the value up to 256`,
		});
		return z.NEVER;
	})
	.openapi({ description: "Only messages with this tag: name:value", example: "category:welcome" });
