/**
 * The async part of the end-to-end test: a send with `Prefer:
 * respond-async` answers 202 (`Preference-Applied`, `Location` of its
 * record), its record reaches `sent` (or already `delivered`, through the
 * simulated callback) under the relay id the relay stored, and the inbox
 * shows its ref and status, moving to delivered without a reload; then a
 * send scheduled a few seconds ahead is listed as not at the relay
 * (a screenshot) until the queue delivers it.
 */
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Page } from "playwright-core";
import { assert, check, poll } from "./check.ts";
import type { DevBanner } from "./dev-process.ts";
import { storedMessages } from "./outbox.ts";
import { callWorker, getRecord } from "./worker-api.ts";

const AT_RELAY = new Set(["sent", "delivered"]);
const RECIPIENT = "async@example.com";
/** Far enough ahead for the page to see it waiting, near enough to keep the run short. */
const SCHEDULE_AHEAD_MS = 5000;

export interface AsyncPaths {
	outbox: string;
	artifacts: string;
}

export async function checkAsyncSend(page: Page, banner: DevBanner, paths: AsyncPaths): Promise<void> {
	const subject = `Async ${Date.now().toString(36)}`;
	const message = { from: "dev@example.com", to: [RECIPIENT], subject, text: "sent through the queue" };
	const { ref, location } = await check("an async send answers 202, Preference-Applied and Location", async () => {
		const res = await callWorker(banner, "/v1/send", {
			method: "POST",
			json: message,
			headers: { prefer: "respond-async" },
		});
		assert(res.status === 202, `POST /v1/send answered ${res.status}: ${res.text}`);
		const applied = res.headers.get("preference-applied");
		assert(applied === "respond-async", `Preference-Applied is ${applied}`);
		const { ref, status, messageId } = res.body;
		assert(typeof ref === "string" && ref.startsWith("msg_"), `no ref in ${res.text}`);
		assert(status === "queued", `status is ${status}`);
		assert(typeof messageId === "string" && messageId.length > 0, `no messageId in ${res.text}`);
		const location = res.headers.get("location");
		assert(location === `/v1/messages/${ref}`, `Location is ${location}`);
		console.log(`        ref: ${ref}`);
		return { ref, location };
	});

	await check("its record reaches sent (or delivered) under the relay id the relay stored", async () => {
		const seen = new Set<string>();
		const record = await poll(
			async () => {
				const r = await getRecord(banner, location.slice("/v1/messages/".length));
				seen.add(r.status);
				return AT_RELAY.has(r.status) ? r : undefined;
			},
			{ attempts: 75, everyMs: 200 },
			() => `${ref} never got to sent (statuses seen: ${[...seen].join(", ")})`,
		);
		assert(record.ref === ref && record.subject === subject, `the record is ${record.ref} "${record.subject}"`);
		assert(typeof record.relayId === "string" && record.relayId, "the sent record has no relay id");
		const stored = storedMessages(paths.outbox).find((m) => m.relayId === record.relayId);
		assert(stored, `the relay stored no message under ${record.relayId}`);
		assert(stored.rcptTo.includes(RECIPIENT), `the relay's message went to ${stored.rcptTo.join(", ")}`);
		console.log(`        ${[...seen].join(" → ")}, relay id ${record.relayId}`);
	});

	await check("the inbox shows its ref and status, and delivered without a reload", async () => {
		await page.evaluate(() => Object.assign(window, { e2eAsyncMark: true }));
		const row = page.locator("#messages li", { hasText: subject });
		await row.locator(".ref", { hasText: ref }).waitFor({ timeout: 15_000 });
		await row.click();
		await page.locator("#meta dd", { hasText: ref }).waitFor({ timeout: 5_000 });
		await row.locator('.pill[data-status="delivered"]').waitFor({ timeout: 15_000 });
		await page.locator('#record-status .pill[data-status="delivered"]').waitFor({ timeout: 5_000 });
		assert(await page.evaluate(() => "e2eAsyncMark" in window), "the page was reloaded");
	});

	const later = `Scheduled ${Date.now().toString(36)}`;
	const scheduled = await check("a send scheduled ahead is listed as scheduled, not at the relay", async () => {
		const sendAt = new Date(Date.now() + SCHEDULE_AHEAD_MS).toISOString();
		const res = await callWorker(banner, "/v1/send", { method: "POST", json: { ...message, subject: later, sendAt } });
		assert(res.status === 202 && res.body.status === "scheduled", `answered ${res.status}: ${res.text}`);
		const waiting = page.locator("#pending li", { hasText: later });
		await waiting.locator('.pill[data-status="scheduled"]').waitFor({ timeout: SCHEDULE_AHEAD_MS - 1000 });
		await waiting.locator(".ref", { hasText: String(res.body.ref) }).waitFor({ timeout: 1000 });
		mkdirSync(paths.artifacts, { recursive: true });
		const screenshot = join(paths.artifacts, "e2e-inbox-scheduled.png");
		await page.screenshot({ path: screenshot });
		console.log(`        screenshot: ${relative(process.cwd(), screenshot)}`);
		return String(res.body.ref);
	});

	await check("when it is due it leaves that list and is at the relay", async () => {
		const row = page.locator("#messages li", { hasText: later });
		await row.locator(".ref", { hasText: scheduled }).waitFor({ timeout: SCHEDULE_AHEAD_MS + 15_000 });
		await row.locator(".pill[data-status=sent], .pill[data-status=delivered]").first().waitFor({ timeout: 5_000 });
		await page.locator("#pending li", { hasText: later }).waitFor({ state: "detached", timeout: 5_000 });
	});
}
