import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { callerWorker, SUITE_PROJECT } from "./test/fixtures/caller-worker.ts";

// workerd verifies certificates: trust the TEST-ONLY CA, for the tests only.
process.env.SSL_CERT_FILE = fileURLToPath(new URL("./test/fixtures/certs/ca.pem", import.meta.url));

/** Settings every project's Worker starts with; `relayPort` is the relay it sends to. */
const baseBindings = (relayPort: number, controlPort: number) => ({
	SMTP_HOST: "localhost",
	SMTP_PORT: String(relayPort),
	SMTP_SECURITY: "starttls",
	SMTP_USER: "api_user",
	SMTP_PASS: "api_key",
	EHLO_NAME: "edgesend.test",
	API_KEYS: "edgesend-test-key-1,edgesend-test-key-2",
	// The suites were written for the direct path (a session per request, QUIT at its end);
	// test/pool/ turns the pool on where it is the subject.
	SMTP_POOL: "off",
	CONTROL_URL: `http://127.0.0.1:${controlPort}`,
});

const shared = {
	// One JSON log line per request is the API working as built; show it only for failing tests.
	silent: "passed-only" as const,
};

export default defineConfig({
	test: {
		projects: [
			{
				plugins: [
					cloudflareTest(({ inject }) => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: baseBindings(inject("relayStartTlsPort"), inject("controlPort")),
							// examples/caller-worker beside edgesend, bound to its EdgeSend entrypoint (test/rpc/caller-worker.test.ts).
							serviceBindings: { CALLER: callerWorker.name },
							workers: [callerWorker],
							// Jobs go to a queue nobody consumes: the tests hand them to the consumer themselves
							// (test/records/support.ts), with a clock they move, so no test waits out a delay.
							queueProducers: { SEND_QUEUE: { queueName: "edgesend-send-tests" } },
							// Miniflare's send_email simulation under a test-only name: a test that means the
							// FALLBACK_EMAIL route passes it as FALLBACK_EMAIL (the others run without one).
							email: { send_email: [{ name: "TEST_SEND_EMAIL" }] },
						},
					})),
				],
				test: {
					...shared,
					// The plugin names its runner after the project; test/fixtures/caller-worker.ts binds to it.
					name: SUITE_PROJECT,
					globalSetup: ["./test/global-setup.ts"],
					include: ["test/**/*.test.ts", "src/**/*.test.ts"],
					exclude: ["test/burst/**", "test/deploy/**", "test/recovery/**"],
					testTimeout: 30_000,
				},
			},
			{
				// `npm run deploy`'s script (scripts/deploy.ts) against a stand-in wrangler: it spawns
				// processes, so it runs in Node, not workerd. Also the recovery run's verdicts (test/recovery/).
				test: {
					name: "node",
					environment: "node",
					include: ["test/deploy/**/*.test.ts", "test/recovery/**/*.test.ts"],
					testTimeout: 60_000,
				},
			},
			{
				// The burst (test/burst/): the Worker as deployed — wrangler.toml's queue with its consumer,
				// the real limiter at RATE_LIMIT_PER_MINUTE=600 — against a relay of its own that counts
				// like the provider. Its own Miniflare, because the consumer reads the Worker's settings,
				// not a test's overrides.
				plugins: [
					cloudflareTest(({ inject }) => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: {
								...baseBindings(inject("burstRelayPort"), inject("controlPort")),
								RATE_LIMIT_PER_MINUTE: String(inject("burstPerMinute")),
							},
						},
					})),
				],
				test: {
					...shared,
					name: "burst",
					globalSetup: ["./test/burst/global-setup.ts"],
					include: ["test/burst/**/*.test.ts"],
					// Draining 2,000 at 600 a minute takes minutes of real time (CI allows for it).
					testTimeout: 30 * 60_000,
				},
			},
		],
	},
});
