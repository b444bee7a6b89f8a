/**
 * One message over one route, whatever its kind: an SMTP relay (a session for
 * the message), the provider's REST API, or the send_email binding. The send
 * path uses it for the second route (and for a REST first route); the warm
 * pool and batch sessions stay the SMTP primary's own way.
 *
 * The answer has one shape for every kind; failures are thrown as the route's
 * own error (SmtpError, RestError or RestUnfit, BindingError), for the
 * failover rule and the problem mapping to read.
 */
import type { ComposedMessage, MessageInput } from "../mime";
import type { Route } from "../routes-config";
import { type SmtpConfig, sendMail } from "../smtp";
import { sendThroughBinding } from "./binding-route";
import { sendRest } from "./rest-client";
import { toEngageLabMail } from "./rest-request";

export interface RouteMessage {
	composed: ComposedMessage;
	/** What the composer was given: the REST route sends fields, not bytes. */
	input?: MessageInput;
	/** The EngageLab label (digits). */
	labelId?: string;
	/** The same for every attempt of the message (the REST API's one-hour de-duplication): its ref, or its Message-ID. */
	requestId: string;
}

/** What every route answers for a message it took. */
export interface RouteDelivery {
	/** The route's id for the message (EngageLab's relay id, the binding's messageId). */
	id: string;
	accepted: string[];
	rejected: { address: string; code?: number; enhancedCode?: string; reply: string }[];
}

/** What a route needs besides its own settings. */
export interface RouteContext {
	ehloName: string;
	/** SMTP_TIMEOUT_MS: connect and reply timeout (also the REST exchange's). */
	timeoutMs?: number;
	/** The FALLBACK_EMAIL binding, for the email-binding route. */
	binding?: SendEmail;
	/** Keeps an SMTP session's QUIT running after the answer. */
	waitUntil?: (work: Promise<unknown>) => void;
}

/** Sends `message` over `route`; throws the route's own error. */
export async function sendOverRoute(
	route: Route,
	message: RouteMessage,
	context: RouteContext,
): Promise<RouteDelivery> {
	const { composed } = message;
	switch (route.kind) {
		case "smtp": {
			const config: SmtpConfig = {
				host: route.host,
				port: route.port,
				security: route.security,
				user: message.labelId === undefined ? route.user : `${route.user}#${message.labelId}`,
				pass: route.pass,
				ehloName: context.ehloName,
				...(context.timeoutMs === undefined
					? {}
					: { connectTimeoutMs: context.timeoutMs, replyTimeoutMs: context.timeoutMs }),
			};
			const delivery = await sendMail(config, composed, context.waitUntil ? { waitUntil: context.waitUntil } : {});
			return { id: delivery.id, accepted: delivery.accepted, rejected: delivery.rejected };
		}
		case "engagelab-rest": {
			if (!message.input) throw new Error("internal: the REST route needs the message's fields");
			const mail = toEngageLabMail(onlyEnvelope(message.input, composed.envelope.to), {
				messageId: composed.messageId,
				requestId: message.requestId,
				...(message.labelId === undefined ? {} : { labelId: message.labelId }),
			});
			const answer = await sendRest(
				{
					url: route.url,
					user: route.user,
					pass: route.pass,
					...(context.timeoutMs ? { timeoutMs: context.timeoutMs } : {}),
				},
				mail,
			);
			return { id: answer.id, accepted: [...composed.envelope.to], rejected: [] };
		}
		case "email-binding": {
			if (!context.binding) throw new Error("internal: the email-binding route needs the FALLBACK_EMAIL binding");
			const delivery = await sendThroughBinding(context.binding, composed);
			return {
				id: delivery.id,
				accepted: delivery.accepted,
				rejected: delivery.rejected.map((r) => ({ address: r.address, reply: r.reason })),
			};
		}
	}
}

/**
 * The input with only the recipients the envelope still holds: the send path
 * drops suppressed addresses from the envelope, and the REST API sends to
 * the fields, not to an envelope.
 */
function onlyEnvelope(input: MessageInput, envelope: string[]): MessageInput {
	const kept = new Set(envelope.map((a) => a.toLowerCase()));
	const keep = (list: MessageInput["to"] | undefined) => list?.filter((a) => kept.has(a.email.toLowerCase()));
	const cc = keep(input.cc);
	const bcc = keep(input.bcc);
	return { ...input, to: keep(input.to) ?? [], ...(cc ? { cc } : {}), ...(bcc ? { bcc } : {}) };
}
