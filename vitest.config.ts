import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { callerWorker } from "./test/fixtures/caller-worker.ts";

// workerd verifies certificates: trust the TEST-ONLY CA, for the tests only.
process.env.SSL_CERT_FILE = fileURLToPath(new URL("./test/fixtures/certs/ca.pem", import.meta.url));

// The D1 schema (migrations/), applied in each test file by test/apply-migrations.ts.
const migrations = await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url)));

export default defineConfig({
	plugins: [
		cloudflareTest(({ inject }) => ({
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: {
					SMTP_HOST: "localhost",
					SMTP_PORT: String(inject("relayStartTlsPort")),
					SMTP_SECURITY: "starttls",
					SMTP_USER: "api_user",
					SMTP_PASS: "api_key",
					EHLO_NAME: "edgesend.test",
					API_KEYS: "edgesend-test-key-1,edgesend-test-key-2",
					// The suites were written for the direct path (a session per request, QUIT at its end);
					// test/pool/ turns the pool on where it is the subject.
					SMTP_POOL: "off",
					CONTROL_URL: `http://127.0.0.1:${inject("controlPort")}`,
					TEST_MIGRATIONS: migrations,
				},
				// examples/caller-worker beside edgesend, bound to its EdgeSend entrypoint (test/rpc/caller-worker.test.ts).
				serviceBindings: { CALLER: callerWorker.name },
				workers: [callerWorker],
				// Jobs go to a queue nobody consumes: the tests hand them to the consumer themselves
				// (test/records/support.ts), with a clock they move, so no test waits out a delay.
				queueProducers: { SEND_QUEUE: { queueName: "edgesend-send-tests" } },
			},
		})),
	],
	test: {
		globalSetup: ["./test/global-setup.ts"],
		setupFiles: ["./test/apply-migrations.ts"],
		include: ["test/**/*.test.ts", "src/**/*.test.ts"],
		testTimeout: 30_000,
		// One JSON log line per request is the API working as built; show it only for failing tests.
		silent: "passed-only",
	},
});
