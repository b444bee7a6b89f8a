/**
 * What `npm run dev` prints once everything is up: where the worker and the
 * inbox are, the API key, and
 * a ready-to-paste curl that sends an HTML mail with an inline image (a
 * small PNG, referenced by cid:).
 */

/** A 48×32 envelope icon, the inline image of the sample mail. */
export const SAMPLE_PNG_BASE64 =
	"iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAMAAABjCgsuAAAABlBMVEXzgCD///8nC+vGAAAAXklEQVR42u3TSwrAIAwE0Jn7X7ogtjV/C7qqszPJI4IInHwIiywCyXKnikCwtTwAj7A3fGAF73oAIK/7nGIglnAoxuAdEzQBfVLdLQUwb1UB6KcqwUT3p2D3jztJcgEuawD9Ybk1pgAAAABJRU5ErkJggg==";

export const SAMPLE_SUBJECT = "Hello from edgesend";

export interface BannerInput {
	workerUrl: string;
	inboxUrl?: string;
	/** Printed and used in the curl; undefined when the key is the user's own (never printed). */
	apiKey?: string;
	/** The vars file the user's own key is in. */
	varsName: string;
	relay: string;
	/** A real relay delivers the sample for real: say so. */
	realMail: boolean;
}

export function sampleMessage() {
	return {
		from: "edgesend dev <dev@example.com>",
		to: ["you@example.com"],
		subject: SAMPLE_SUBJECT,
		html: '<h1>It works</h1><p>Sent through edgesend.</p><p><img src="cid:logo" alt="edgesend logo" width="48" height="32"></p>',
		text: "It works. Sent through edgesend.",
		attachments: [
			{
				filename: "logo.png",
				type: "image/png",
				disposition: "inline",
				contentId: "logo",
				content: SAMPLE_PNG_BASE64,
			},
		],
	};
}

/** A curl that works when pasted into a POSIX shell: the JSON holds no single quote. */
export function sampleCurl(workerUrl: string, apiKey: string | undefined): string {
	const key = apiKey ?? "$EDGESEND_API_KEY";
	const auth = apiKey ? `'Authorization: Bearer ${key}'` : `"Authorization: Bearer ${key}"`;
	return [
		`curl -sS ${workerUrl}/v1/send \\`,
		`  -H ${auth} \\`,
		`  -H 'Content-Type: application/json' \\`,
		`  -d '${JSON.stringify(sampleMessage())}'`,
	].join("\n");
}

export function banner({ workerUrl, inboxUrl, apiKey, varsName, relay, realMail }: BannerInput): string {
	const lines = [
		"",
		"edgesend is running — Ctrl-C stops everything.",
		`  worker   ${workerUrl}`,
		inboxUrl ? `  inbox    ${inboxUrl}` : undefined,
		`  API key  ${apiKey ?? `yours, from API_KEYS in ${varsName} (export EDGESEND_API_KEY=… for the curl below)`}`,
		`  relay    ${relay}`,
		"",
		realMail
			? "Send a first mail (put your own address in place of you@example.com: this one is delivered):"
			: "Send a first mail:",
		"",
		sampleCurl(workerUrl, apiKey),
		"",
	];
	return lines.filter((line) => line !== undefined).join("\n");
}
