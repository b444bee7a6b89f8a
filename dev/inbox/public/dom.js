// What the inbox page's scripts share: finding and building elements (text
// only: mail content is never parsed as this page's HTML), and how times and
// sizes read.
export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
	const node = Object.assign(document.createElement(tag), props);
	node.append(...children.filter((c) => c != null));
	return node;
}

export const time = (iso) => {
	const d = new Date(iso);
	const today = d.toDateString() === new Date().toDateString();
	return today ? d.toLocaleTimeString() : d.toLocaleString();
};

export const size = (n) =>
	n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
