/**
 * The bounce part of the end-to-end test: a send to bounce@example.com is
 * accepted, the local relay's simulated hard bounce comes back through the
 * worker — the record moves to `bounced` with the bounce in its events, the
 * address is suppressed, the dev receiver verified a signed
 * message.bounced, the inbox shows the status and the timeline (a
 * screenshot) — and the next send to it is refused.
 */
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Page } from "playwright-core";
import { assert, check, poll } from "./check.ts";
import type { DevBanner } from "./dev-process.ts";
import { callWorker, getRecord } from "./worker-api.ts";

const BOUNCER = "bounce@example.com";

export async function checkBounceLifecycle(page: Page, banner: DevBanner, artifacts: string): Promise<void> {
	const send = (subject: string) =>
		callWorker(banner, "/v1/send", {
			method: "POST",
			json: { from: "dev@example.com", to: [BOUNCER], subject, text: "bounce me" },
		});
	const subject = `Bounce ${Date.now().toString(36)}`;
	const ref = await check(`a send to ${BOUNCER} is accepted by the relay`, async () => {
		const res = await send(subject);
		assert(res.status === 200, `POST /v1/send answered ${res.status}: ${res.text}`);
		assert(typeof res.body.ref === "string", `no ref in ${res.text}`);
		return res.body.ref;
	});
	await check(`the simulated hard bounce suppresses ${BOUNCER}`, async () => {
		const entry = await poll(
			async () => {
				const res = await callWorker(banner, `/v1/suppressions/${BOUNCER}`);
				return res.status === 200 ? res.body : undefined;
			},
			{ attempts: 50, everyMs: 200 },
			() => `${BOUNCER} was not suppressed`,
		);
		assert(entry.reason === "hard_bounce", `reason is ${entry.reason}`);
	});
	await check("GET /v1/messages/{ref} of that send reaches bounced, the bounce in its events", async () => {
		let last = "";
		const record = await poll(
			async () => {
				const r = await getRecord(banner, ref);
				last = r.status;
				return r.status === "bounced" ? r : undefined;
			},
			{ attempts: 50, everyMs: 200 },
			() => `${ref} is still ${last}`,
		);
		const bounce = record.events.find((e) => e.type === "bounced");
		assert(bounce, `no bounced event among ${record.events.map((e) => e.type).join(", ")}`);
		assert(bounce.detail?.recipient === BOUNCER, `the bounce names ${bounce.detail?.recipient}`);
		assert(bounce.detail?.detail?.includes("550"), `the bounce says ${bounce.detail?.detail}`);
	});
	await check(
		"the inbox shows it bounced, its timeline the bounce, the webhook pane a verified message.bounced",
		async () => {
			const row = page.locator("#messages li", { hasText: subject }).first();
			await row.click();
			await row.locator('.pill[data-status="bounced"]').waitFor({ timeout: 15_000 });
			await page.locator('#record-status .pill[data-status="bounced"]').waitFor({ timeout: 5_000 });
			await page.locator("#timeline li.bad", { hasText: "message.bounced" }).waitFor({ timeout: 15_000 });
			const hook = page.locator("#webhooks li", { hasText: "message.bounced" }).first();
			await hook.waitFor({ timeout: 5_000 });
			const verdict = await hook.textContent();
			assert(verdict?.includes("signature verified"), `webhook pane says: ${verdict}`);
			mkdirSync(artifacts, { recursive: true });
			const screenshot = join(artifacts, "e2e-bounce-timeline.png");
			await page.screenshot({ path: screenshot });
			console.log(`        screenshot: ${relative(process.cwd(), screenshot)}`);
		},
	);
	await check(`a following send to ${BOUNCER} is refused (422 recipient_suppressed)`, async () => {
		const res = await send(`${subject} again`);
		assert(res.status === 422 && res.body.code === "recipient_suppressed", `answered ${res.status} ${res.text}`);
	});
}
