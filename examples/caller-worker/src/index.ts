/**
 * Signs a visitor up and mails them a welcome with a contact card, through
 * `env.EMAIL`: the same call as for Cloudflare's Email Service binding, typed
 * by edgesend's exported types. Failures carry the API's problem (toProblem).
 */
import { type EdgeSend, toProblem } from "../../../src/client";

interface Env {
	EMAIL: Service<EdgeSend>;
}

export default {
	async fetch(request, env): Promise<Response> {
		const { email, name } = await request.json<{ email: string; name: string }>();
		const card = new TextEncoder().encode(`BEGIN:VCARD\r\nVERSION:4.0\r\nFN:${name}\r\nEND:VCARD\r\n`);
		try {
			const sent = await env.EMAIL.send({
				from: { email: "welcome@example.com", name: "Example Shop" },
				to: { email, name },
				subject: `Welcome, ${name}`,
				text: `Hello ${name}, thanks for signing up.`,
				attachments: [{ filename: "contact.vcf", type: "text/vcard", content: card }],
			});
			return Response.json({ messageId: sent.messageId });
		} catch (error) {
			const problem = toProblem(error);
			if (!problem) throw error;
			return Response.json({ code: problem.code, detail: problem.detail }, { status: problem.status });
		}
	},
} satisfies ExportedHandler<Env>;
