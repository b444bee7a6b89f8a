/** Files read as text through Vite's `?raw` import (the README, for the problem-code table). */
declare module "*?raw" {
	const text: string;
	export default text;
}
