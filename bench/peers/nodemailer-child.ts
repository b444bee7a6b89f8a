/**
 * nodemailer's own Node process, kept for the whole bench run: it does not
 * share an event loop (or a core) with the relay and the latency proxy, and it
 * stays warm between runs, just as the workerd isolate does for the other
 * clients. Takes SendJobs over IPC, answers {result} or {error}.
 */
import type { SendJob } from "../lib/jobs.ts";
import { sendWithNodemailer } from "./nodemailer.ts";

process.on("message", async (job: SendJob) => {
	try {
		process.send?.({ result: await sendWithNodemailer(job) });
	} catch (error) {
		process.send?.({ error: error instanceof Error ? error.message : String(error) });
	}
});
process.on("disconnect", () => process.exit(0));
