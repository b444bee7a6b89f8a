/** Media types of attachments: checked when given, guessed from the file name when not. */

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PARAMETER = `;\\s*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*")`;
/** `type/subtype`, optionally with parameters (RFC 2045 §5.1), all on one line. */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:\\s*${PARAMETER})*$`);

export function isMediaType(type: string): boolean {
	return MEDIA_TYPE.test(type) && !/;\s*name=/i.test(type) && !type.toLowerCase().startsWith("multipart/");
}

const BY_EXTENSION: Record<string, string> = {
	avif: "image/avif",
	bmp: "image/bmp",
	csv: "text/csv",
	doc: "application/msword",
	docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	eml: "message/rfc822",
	gif: "image/gif",
	gz: "application/gzip",
	htm: "text/html",
	html: "text/html",
	ico: "image/vnd.microsoft.icon",
	ics: "text/calendar",
	jpeg: "image/jpeg",
	jpg: "image/jpeg",
	json: "application/json",
	md: "text/markdown",
	mp3: "audio/mpeg",
	mp4: "video/mp4",
	odt: "application/vnd.oasis.opendocument.text",
	pdf: "application/pdf",
	png: "image/png",
	ppt: "application/vnd.ms-powerpoint",
	pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	svg: "image/svg+xml",
	tif: "image/tiff",
	tiff: "image/tiff",
	txt: "text/plain",
	wav: "audio/wav",
	webm: "video/webm",
	webp: "image/webp",
	xls: "application/vnd.ms-excel",
	xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	xml: "application/xml",
	zip: "application/zip",
};

export function guessMediaType(filename: string): string {
	const dot = filename.lastIndexOf(".");
	return (dot >= 0 && BY_EXTENSION[filename.slice(dot + 1).toLowerCase()]) || "application/octet-stream";
}

/** A file name extension for a data: URI's image type. */
export function extensionFor(type: string): string {
	const subtype = type.slice(type.indexOf("/") + 1).toLowerCase();
	if (subtype === "jpeg") return "jpg";
	if (subtype === "svg+xml") return "svg";
	return subtype.replace(/[^a-z0-9]/g, "") || "bin";
}
