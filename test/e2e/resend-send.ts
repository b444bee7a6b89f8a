/**
 * The e2e's Resend check: the official `resend` SDK, pointed at the worker
 * `npm run dev` started (its base URL, the banner's API key), sends one email
 * with a tag; it is listed in the inbox, and the SDK reads it back with its
 * tag and a last_event of sent or delivered.
 */
import type { Page } from "playwright-core";
import { Resend } from "resend";
import { assert, check } from "./check.ts";
import type { DevBanner } from "./dev-process.ts";

export async function checkResendSend(page: Page, banner: DevBanner, sample: { from: string; to: unknown }) {
	const resend = new Resend(banner.apiKey, { baseUrl: banner.workerUrl.replace(/\/$/, "") });
	const subject = `Through the resend SDK ${Date.now().toString(36)}`;
	const to = Array.isArray(sample.to) ? sample.to.map(String) : [String(sample.to)];
	const id = await check("the resend SDK sends an email through the worker (POST /emails)", async () => {
		const { data, error } = await resend.emails.send({
			from: sample.from,
			to,
			subject,
			html: "<p>Sent with <code>new Resend(key, { baseUrl })</code>.</p>",
			tags: [{ name: "source", value: "e2e" }],
		});
		assert(data?.id, `no id: ${JSON.stringify(error)}`);
		console.log(`        id: ${data.id}`);
		return data.id;
	});
	await check("the inbox lists the email the SDK sent", async () => {
		await page.locator("#messages li", { hasText: subject }).first().waitFor({ timeout: 15_000 });
	});
	await check("the SDK reads it back (GET /emails/{id}) with its tag, sent or delivered", async () => {
		const { data, error } = await resend.emails.get(id);
		assert(data, `no email: ${JSON.stringify(error)}`);
		assert(data.subject === subject, `subject ${data.subject}`);
		assert(["sent", "delivered"].includes(data.last_event), `last_event ${data.last_event}`);
		assert(
			JSON.stringify(data.tags) === JSON.stringify([{ name: "source", value: "e2e" }]),
			`tags ${JSON.stringify(data.tags)}`,
		);
	});
}
