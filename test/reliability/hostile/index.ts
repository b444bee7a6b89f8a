/** The whole hostile-input corpus, and the shapes its suites use. */
import { contentCases } from "./content-cases";
import { edgeCases } from "./edge-cases";
import { fieldCases } from "./field-cases";
import { hardeningCases } from "./hardening-cases";
import { injectionCases } from "./injection-cases";
import { requestCases } from "./request-cases";
import type { HostileCase } from "./types";

export type { HostileCase, Message } from "./types";

export const hostileCases: HostileCase[] = [
	...injectionCases,
	...fieldCases,
	...contentCases,
	...edgeCases,
	...requestCases,
	...hardeningCases,
];
