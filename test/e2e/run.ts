/**
 * End-to-end check of `npm run dev` (run with `npm run test:e2e`; not part of
 * the workerd vitest suite): starts the dev runner with a throwaway outbox,
 * runs the curl it prints, then looks at the inbox in headless Chromium —
 * the subject listed, the message open, its inline image loaded, a second
 * mail appearing without a reload — saves a screenshot; then sends async and
 * scheduled (async-send.ts: the 202, the record until sent, its ref and
 * status on the page) and to bounce@example.com (bounce.ts: the simulated
 * hard bounce through the worker to the refusal of the next send); sends one
 * through the official `resend` SDK (resend-send.ts); and stops it all.
 */
/// <reference lib="dom" />
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Frame, Page } from "playwright-core";
import { checkAsyncSend } from "./async-send.ts";
import { checkBounceLifecycle } from "./bounce.ts";
import { type HeadlessChromium, launchChromium } from "./browser.ts";
import { assert, check, failOutsideChecks, tally } from "./check.ts";
import { type DevBanner, type DevProcess, startDev } from "./dev-process.ts";
import { storedMessages } from "./outbox.ts";
import { checkResendSend } from "./resend-send.ts";
import { callWorker } from "./worker-api.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const artifacts = join(root, "test", ".artifacts");
const screenshot = join(artifacts, "e2e-inbox.png");
const work = mkdtempSync(join(tmpdir(), "edgesend-e2e-"));
const outbox = join(work, "dev", "outbox");

let dev: DevProcess | undefined;
let browser: HeadlessChromium | undefined;
try {
	console.log("e2e: starting the dev runner (wrangler dev + local relay + inbox)…");
	// An empty vars file: a developer's own .dev.vars never leaks in.
	const varsFile = join(work, "empty.vars");
	writeFileSync(varsFile, "");
	dev = startDev(
		root,
		{
			EDGESEND_DEV_DIR: join(work, "dev"),
			EDGESEND_DEV_VARS: varsFile,
		},
		180_000,
	);
	const running = dev;
	const banner = await check("npm run dev prints the worker, the inbox, the key and a curl", () => running.banner);
	const body = JSON.parse(/-d '(.*)'$/s.exec(banner.curl)?.[1] ?? "null");
	assert(body?.subject, "the printed curl carries no JSON body with a subject");

	await check(
		"npm run dev prints no wrangler startup chatter (binding tables, the cron warning, status lines)",
		async () => {
			const chatter = running.output.filter((line) =>
				/WARNING|Your Worker has access|Ready on|⎔|Using (secrets|vars) defined in/.test(line),
			);
			assert(chatter.length === 0, `${chatter.length} lines, the first: ${chatter[0]}`);
		},
	);
	const sent = await check("the printed curl answers 200 with a relay id and a ref", () => runCurl(banner));
	await check("the relay stored the message under that id", async () => {
		const stored = storedMessages(outbox);
		const match = stored.find((m) => m.relayId === sent.id);
		assert(match, `no message with relay id ${sent.id} among ${stored.length} in the outbox`);
		assert(match.hasEml, "the sidecar has no .eml beside it");
	});

	browser = await launchChromium();
	const page = await browser.context.newPage();
	await check("the inbox lists the subject", async () => {
		await page.goto(banner.inboxUrl);
		await page.locator("#messages li", { hasText: body.subject }).first().waitFor({ timeout: 15_000 });
	});
	const frame = await check("the message opens with its HTML body", async () => {
		await page.locator("#messages li", { hasText: body.subject }).first().click();
		await page.locator("#subject", { hasText: body.subject }).waitFor({ timeout: 10_000 });
		return mailFrame(page);
	});
	await check("the inline image has loaded (naturalWidth > 0)", async () => {
		const widths = await frame.waitForFunction(
			() => {
				const images = [...document.images];
				return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0)
					? images.map((img) => img.naturalWidth)
					: false;
			},
			undefined,
			{ timeout: 10_000 },
		);
		const json = (await widths.jsonValue()) as number[];
		const html: string = await frame.evaluate(() => document.documentElement.outerHTML);
		assert(!html.includes("cid:"), "a cid: link was left in the HTML");
		console.log(`        image widths: ${json.join(", ")}`);
	});
	await check("a new message appears without a reload", async () => {
		// A reload would drop this mark.
		await page.evaluate(() => Object.assign(window, { e2eMark: true }));
		const subject = `Live update ${Date.now().toString(36)}`;
		const res = await callWorker(banner, "/v1/send", {
			method: "POST",
			json: { ...body, subject, html: undefined, attachments: undefined },
		});
		assert(res.status === 200, `POST /v1/send answered ${res.status}: ${res.text}`);
		await page.locator("#messages li", { hasText: subject }).waitFor({ timeout: 15_000 });
		assert(await page.evaluate(() => "e2eMark" in window), "the page was reloaded");
	});
	await check("each listed message shows its ref and status from the worker's records", async () => {
		// The page polls the records once a second: a row is painted when its relay id shows up there.
		await page.waitForFunction(() => document.querySelectorAll("#messages li .state:empty").length === 0, undefined, {
			timeout: 10_000,
		});
		const first = page.locator("#messages li", { hasText: body.subject }).first();
		const ref = await first.locator(".ref").textContent();
		assert(ref === sent.ref, `the first mail's row shows ${ref}, its send answered ref ${sent.ref}`);
		const status = await first.locator(".pill").getAttribute("data-status");
		assert(status === "sent" || status === "delivered", `the first mail's row says ${status}`);
	});
	await check("a screenshot of the inbox is saved", async () => {
		mkdirSync(artifacts, { recursive: true });
		await page.screenshot({ path: screenshot });
		assert(readFileSync(screenshot).length > 0, "empty screenshot");
		console.log(`        screenshot: ${relative(process.cwd(), screenshot)}`);
	});
	await checkResendSend(page, banner, body);
	await checkAsyncSend(page, banner, { outbox, artifacts });
	await checkBounceLifecycle(page, banner, artifacts);
	await check("the inbox's reads and the readiness probe stay out of npm run dev's output", async () => {
		// The test itself never lists records nor asks /healthz: any such line is the dev runner's own.
		const shown = running.output.filter((line) =>
			/GET \/v1\/messages \d{3}\b|"requestId":"dev-inbox-read|\/healthz|dev-ready-probe/.test(line),
		);
		assert(shown.length === 0, `${shown.length} lines, the first: ${shown[0]}`);
	});
	await browser.close();
	browser = undefined;

	const { workerUrl, inboxUrl, relayPort } = banner;
	const stopping = dev;
	dev = undefined;
	await check("Ctrl-C stops the worker, the relay and the inbox", async () => {
		assert(await stopping.interrupt(20_000), "the dev runner did not exit within 20 s of SIGINT");
		for (const url of [workerUrl, inboxUrl]) {
			const answered = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
				() => true,
				() => false,
			);
			assert(!answered, `${url} still answers after Ctrl-C`);
		}
		assert(!(await accepts(relayPort)), `the relay still accepts connections on port ${relayPort}`);
	});
} catch (error) {
	// A check's failure was printed by check(); anything else is counted and printed here.
	failOutsideChecks(error);
	// The dev runner's output (complete once it has stopped) says why.
	if (dev) {
		await dev.interrupt(20_000);
		console.log(`\n--- dev runner output ---\n${dev.output.join("\n")}\n---`);
	}
} finally {
	await browser?.close().catch(() => {});
	if (dev) {
		await dev.interrupt(20_000);
		dev.kill();
	}
	rmSync(work, { recursive: true, force: true });
}
console.log(`e2e: ${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed || tally.passed === 0 ? 1 : 0);

async function runCurl(banner: DevBanner): Promise<{ id: string; ref: string }> {
	// The command exactly as printed, plus a trailer with the status code.
	const command = `${banner.curl} -w '\\n%{http_code}'`;
	const { stdout } = await promisify(execFile)("sh", ["-c", command], { timeout: 60_000 });
	const status = Number(stdout.slice(stdout.lastIndexOf("\n") + 1));
	const text = stdout.slice(0, stdout.lastIndexOf("\n"));
	assert(status === 200, `status ${status}: ${text}`);
	const answer = JSON.parse(text);
	assert(typeof answer.id === "string" && answer.id.length > 0, `no relay id in ${text}`);
	assert(typeof answer.ref === "string" && answer.ref.length > 0, `no ref in ${text}`);
	console.log(`        relay id: ${answer.id}`);
	return answer;
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: "127.0.0.1", port }, () => {
			socket.destroy();
			resolve(true);
		});
		socket.on("error", () => resolve(false));
	});
}

async function mailFrame(page: Page): Promise<Frame> {
	const iframe = await page.waitForSelector("#pane-html", { state: "visible", timeout: 10_000 });
	const frame = await iframe.contentFrame();
	assert(frame, "the HTML pane has no frame");
	await page.waitForFunction(() => {
		const src = (document.getElementById("pane-html") as HTMLIFrameElement | null)?.src ?? "";
		return src.includes("/html");
	});
	await frame.waitForLoadState("load");
	return frame;
}
