import { expect, it } from "vitest";
import { connectSocket } from "../src/smtp/socket";
import { startRelay } from "./helpers/relay";

const dec = new TextDecoder();
const enc = new TextEncoder();

it("a dedicated relay records a STARTTLS session from workerd", async () => {
	const relay = await startRelay({ security: "starttls" });
	let s = connectSocket({ host: "localhost", port: relay.port, secureTransport: "starttls" });
	const read = async () => dec.decode((await s.read()) ?? new Uint8Array());
	expect(await read()).toMatch(/^220 /);
	await s.write(enc.encode("EHLO edgesend.test\r\n"));
	let r = await read();
	while (!/^250 /m.test(r)) r += await read();
	expect(r).toContain("STARTTLS");
	await s.write(enc.encode("STARTTLS\r\n"));
	expect(await read()).toMatch(/^220 /);
	s = s.startTls();
	await s.write(enc.encode("EHLO edgesend.test\r\n"));
	r = await read();
	while (!/^250 /m.test(r)) r += await read();
	expect(r).not.toContain("STARTTLS");
	await s.close();
	const [conn] = await relay.connections();
	expect(conn.commands).toEqual(["EHLO edgesend.test", "STARTTLS", "EHLO edgesend.test"]);
	expect(conn.tls).toBe(true);
	await relay.stop();
});
