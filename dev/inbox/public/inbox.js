// The dev inbox page: lists the outbox with each message's edgesend status,
// opens a message, and listens for new mail, activity and statuses over
// Server-Sent Events. Mail content is only ever set as text or loaded into
// the sandboxed frame, never parsed as this page's HTML.
import { $, el, size, time } from "./dom.js";
import { paintRow, pendingRow, pill, RecordIndex } from "./status.js";

const list = $("messages");
const records = new RecordIndex();
let selected = null;
let activity = [];
let tab = "html";

function row(m) {
	const li = el(
		"li",
		{ title: m.subject },
		el("span", { className: "from", textContent: m.from }),
		el("span", { className: "time", textContent: time(m.receivedAt) }),
		el("span", { className: "subject", textContent: m.subject || "(no subject)" }),
		el("span", { className: "state" }),
		el(
			"span",
			{ className: "small" },
			m.route === "fallback" ? el("span", { className: "label route", textContent: "second route" }) : null,
			m.labelId ? el("span", { className: "label", textContent: `label ${m.labelId}` }) : null,
			`to ${m.to}`,
		),
		el("code", { className: "small ref" }),
	);
	li.dataset.id = m.id;
	li.dataset.relayId = m.relayId;
	paintRow(li, records.of(m.relayId));
	li.addEventListener("click", () => open(m.id));
	return li;
}

function showCount() {
	const n = list.children.length;
	const waiting = records.notAtRelay.length;
	$("empty").hidden = n + waiting > 0;
	const parts = [`live · ${n} message${n === 1 ? "" : "s"}`];
	if (waiting) parts.push(`${waiting} not at the relay`);
	if (records.error) parts.push(`no statuses: ${records.error}`);
	$("status").textContent = parts.join(" · ");
	$("status").classList.add("live");
}

async function loadList() {
	const messages = await (await fetch("/api/messages")).json();
	list.replaceChildren(...messages.map(row));
	showCount();
	const wanted = decodeURIComponent(location.hash.slice(1));
	if (wanted) open(wanted);
	else if (messages[0]) open(messages[0].id);
}

async function open(id) {
	const res = await fetch(`/api/messages/${encodeURIComponent(id)}`);
	if (!res.ok) return;
	const m = await res.json();
	selected = m;
	history.replaceState(null, "", `#${encodeURIComponent(id)}`);
	for (const li of list.children) li.classList.toggle("selected", li.dataset.id === id);

	$("viewer").hidden = false;
	$("subject").textContent = m.subject || "(no subject)";
	showMeta();
	showTimeline();
	$("pane-html").src = m.hasHtml ? `/messages/${encodeURIComponent(id)}/html` : "about:blank";
	$("pane-text").textContent = m.text ?? "";
	$("part-count").textContent = m.attachments.length ? `(${m.attachments.length})` : "";
	$("parts").replaceChildren(...m.attachments.map(partRow));
	$("source").textContent = "";
	$("download-eml").href = `/messages/${encodeURIComponent(id)}/raw?download`;
	document.querySelector('[data-tab="html"]').disabled = !m.hasHtml;
	document.querySelector('[data-tab="text"]').disabled = !m.text;
	showTab(m.hasHtml ? (tab === "text" && m.text ? "text" : tab) : "text");
}

// The open message's headers and its edgesend record (status beside the subject, ref among the ids).
function showMeta() {
	const m = selected;
	const record = records.of(m.relayId);
	$("record-status").replaceChildren(...(record ? [pill(record.status)] : []));
	const meta = [
		["From", m.from],
		["To", m.to],
		["Cc", m.cc],
		["Reply-To", m.replyTo],
		["Date", m.date ? new Date(m.date).toLocaleString() : ""],
		["Envelope", `${m.mailFrom} → ${m.rcptTo.join(", ")}`],
		["Auth user", m.authUser + (m.labelId ? `  (label ${m.labelId})` : "")],
		["Route", m.route === "fallback" ? "fallback (the second local relay)" : m.route && "primary"],
		["edgesend ref", record?.ref],
		["Relay id", m.relayId],
		["Message-ID", m.messageId],
	].filter(([, value]) => value);
	$("meta").replaceChildren(...meta.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
}

function partRow(p) {
	const isImage = p.contentType.startsWith("image/");
	return el(
		"li",
		{ className: "part" },
		isImage ? el("img", { src: p.url, alt: "" }) : null,
		el(
			"div",
			{},
			el("div", { textContent: p.filename }),
			el("div", {
				className: "small",
				textContent: [
					p.contentType,
					size(p.size),
					p.inline ? "inline" : "attachment",
					p.contentId && `cid:${p.contentId}`,
				]
					.filter(Boolean)
					.join(" · "),
			}),
		),
		el("a", { className: "download", href: `${p.url}?download`, textContent: "Download" }),
	);
}

async function showTab(name) {
	tab = name;
	for (const button of document.querySelectorAll("[data-tab]")) {
		button.setAttribute("aria-selected", String(button.dataset.tab === name));
	}
	for (const pane of ["html", "text", "parts", "source"]) $(`pane-${pane}`).hidden = pane !== name;
	if (name === "source" && selected && !$("source").textContent) {
		const res = await fetch(`/messages/${encodeURIComponent(selected.id)}/raw`);
		$("source").textContent = await res.text();
	}
}

for (const button of document.querySelectorAll("[data-tab]")) {
	button.addEventListener("click", () => showTab(button.dataset.tab));
}

const events = new EventSource("/events");
events.addEventListener("open", showCount);
events.addEventListener("error", () => {
	$("status").textContent = "reconnecting…";
	$("status").classList.remove("live");
});
events.addEventListener("message", (event) => {
	const m = JSON.parse(event.data);
	const li = row(m);
	li.classList.add("fresh");
	list.prepend(li);
	showCount();
	if (!selected) open(m.id);
});

// The delivery timeline of the open message: relay acceptance, then the
// provider's callbacks and the webhooks edgesend sent for its relay id.
const BAD = new Set(["invalid_email", "report_spam", "message.bounced", "message.complained"]);
function showTimeline() {
	if (!selected) return;
	const steps = [{ at: selected.receivedAt, text: "accepted by the relay (250 Queued)", cls: "", kind: "" }];
	for (const a of activity) {
		if (a.relayId !== selected.relayId) continue;
		if (a.kind === "callback") {
			steps.push({
				kind: "callback",
				at: a.at,
				text: `provider callback ${a.event} for ${a.recipient} → worker ${a.answered}`,
				cls: BAD.has(a.event) ? "bad" : "",
			});
		} else {
			steps.push({
				kind: "webhook",
				at: a.at,
				text: `${a.type}${a.to ? ` (${a.to})` : ""} sent out, signature ${a.verified ? "verified" : "NOT verified"}`,
				cls: BAD.has(a.type) ? "bad" : a.type === "message.delivered" ? "good" : "",
			});
		}
	}
	// The callback is logged once the worker answered it, after the webhook it caused: order by cause.
	const order = { "": 0, callback: 1, webhook: 2 };
	steps.sort((x, y) => x.at.localeCompare(y.at) || order[x.kind] - order[y.kind]);
	$("timeline").replaceChildren(
		...steps.map((s) => el("li", { className: s.cls, textContent: `${time(s.at)} · ${s.text}` })),
	);
}

function webhookRow(w) {
	return el(
		"li",
		{},
		el("div", {}, el("strong", { textContent: w.type }), ` ${w.to ?? ""}`),
		el("div", {
			className: w.verified ? "verified" : "unverified",
			textContent: w.verified ? "✓ signature verified" : `✗ not verified: ${w.error ?? ""}`,
		}),
		el("div", { className: "small", textContent: `${time(w.at)} · ${w.webhookId}` }),
		w.detail ? el("div", { className: "small", textContent: w.detail }) : null,
	);
}

function showWebhooks() {
	const hooks = activity.filter((a) => a.kind === "webhook").reverse();
	$("webhooks").replaceChildren(...hooks.map(webhookRow));
	$("no-webhooks").hidden = hooks.length > 0;
}

events.addEventListener("activity", (event) => {
	activity.push(JSON.parse(event.data));
	showWebhooks();
	showTimeline();
});

async function loadActivity() {
	activity = await (await fetch("/api/activity")).json();
	showWebhooks();
	showTimeline();
}

// Statuses move on their own (the queue consumer, the provider's callbacks): repaint in place.
function showRecords(snapshot) {
	records.take(snapshot);
	for (const li of list.children) paintRow(li, records.of(li.dataset.relayId));
	$("pending").replaceChildren(...records.notAtRelay.map(pendingRow));
	$("pending-group").hidden = records.notAtRelay.length === 0;
	if (selected) showMeta();
	showCount();
}

events.addEventListener("records", (event) => showRecords(JSON.parse(event.data)));

async function loadRecords() {
	showRecords(await (await fetch("/api/records")).json());
}

// DEV_FALLBACK=1: the first relay's switch, to watch mail take the second route.
function showPrimary(state) {
	const button = $("primary-switch");
	button.hidden = !state.switchable;
	button.dataset.mode = state.mode;
	button.textContent = state.mode === "down" ? "First relay is down · bring it back" : "Take the first relay down";
}
$("primary-switch").addEventListener("click", async () => {
	const mode = $("primary-switch").dataset.mode === "down" ? "up" : "down";
	const res = await fetch("/api/primary", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ mode }),
	});
	if (res.ok) showPrimary(await res.json());
});
events.addEventListener("primary", (event) => showPrimary(JSON.parse(event.data)));

loadActivity();
loadRecords();
loadList();
fetch("/api/primary")
	.then((res) => res.json())
	.then(showPrimary);
