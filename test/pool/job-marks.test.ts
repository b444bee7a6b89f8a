/**
 * The pool object's word on a job (src/pool/job-marks.ts, issue 20 finding 8):
 * a job the Worker gave up never starts afterwards, even when the object was
 * still holding it (its call failed in between, the object lived on), and a
 * started job is never reported as not started, across a crash too.
 */
import { describe, expect, it } from "vitest";
import type { PoolJob } from "../../src/pool";
import { startRelay } from "../helpers/relay";
import { crashPool, poolObject } from "./support";

const bytes = new TextEncoder().encode(
	"From: a@example.com\r\nTo: b@example.com\r\nSubject: test marks\r\n\r\nhello\r\n",
);

/** A job for the relay at `port`, as the Worker would hand it. */
const jobFor = (port: number, jobId: string): PoolJob => ({
	jobId,
	smtp: { host: "localhost", port, security: "starttls", user: "api_user", pass: "api_key", ehloName: "edgesend.test" },
	envelope: { from: "a@example.com", to: ["b@example.com"] },
	size: bytes.length,
	eightBit: false,
	smtpUtf8: false,
	body: new Blob([bytes]).stream(),
	idleMs: 60_000,
});

describe("a pool object's job marks", () => {
	it("a job given up before it started never starts: the relay gets no content, the session is dropped", async () => {
		const relay = await startRelay({ security: "starttls" });
		const pool = poolObject(relay.port);
		expect(await pool.abandon("job-given-up")).toBe("abandoned");
		const reply = await pool.deliver(jobFor(relay.port, "job-given-up"));
		expect(reply).toMatchObject({ kind: "failed", error: { stage: "message", kind: "protocol" } });
		expect(await relay.messages()).toEqual([]);
		// Asking again changes nothing.
		expect(await pool.abandon("job-given-up")).toBe("abandoned");
		await relay.stop();
	});

	it("a delivered job answers started, also after the object crashed", async () => {
		const relay = await startRelay({ security: "starttls" });
		const pool = poolObject(relay.port);
		expect(await pool.deliver(jobFor(relay.port, "job-sent"))).toMatchObject({ kind: "sent" });
		await crashPool(relay.port);
		expect(await poolObject(relay.port).abandon("job-sent")).toBe("started");
		expect(await relay.messages()).toHaveLength(1);
		await relay.stop();
	});
});
