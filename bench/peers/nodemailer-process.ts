/** The orchestrator's handle on nodemailer's process (nodemailer-child.ts): one job at a time. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SendJob, SendResult } from "../lib/jobs.ts";

export interface NodemailerPeer {
	send(job: SendJob, timeoutMs?: number): Promise<SendResult>;
	stop(): void;
}

export function startNodemailerPeer(): NodemailerPeer {
	const child: ChildProcess = fork(fileURLToPath(new URL("./nodemailer-child.ts", import.meta.url)), {
		stdio: ["ignore", "inherit", "inherit", "ipc"],
	});
	let queue: Promise<unknown> = Promise.resolve();
	const once = (job: SendJob, timeoutMs: number) =>
		new Promise<SendResult>((resolve, reject) => {
			const timer = setTimeout(() => {
				cleanup();
				reject(new Error(`nodemailer: no answer within ${timeoutMs} ms`));
			}, timeoutMs);
			const onMessage = (answer: { result?: SendResult; error?: string }) => {
				cleanup();
				if (answer.result) resolve(answer.result);
				else reject(new Error(answer.error ?? "nodemailer: empty answer"));
			};
			const onExit = (code: number | null) => {
				cleanup();
				reject(new Error(`nodemailer's process exited (${code})`));
			};
			const cleanup = () => {
				clearTimeout(timer);
				child.off("message", onMessage);
				child.off("exit", onExit);
			};
			child.on("message", onMessage);
			child.once("exit", onExit);
			child.send(job);
		});
	return {
		send(job, timeoutMs = 180_000) {
			const run = queue.then(() => once(job, timeoutMs));
			queue = run.catch(() => {});
			return run;
		},
		stop() {
			if (child.connected) child.disconnect();
			if (child.exitCode === null) child.kill();
		},
	};
}
