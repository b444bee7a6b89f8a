/**
 * The README's route table is the front door's promise: every route the
 * Worker serves has a row, every row is a route, and "who may call" says what
 * the route's security in `/openapi.json` says. A route added without a row
 * (or a row without a route, or a caller the route does not take) fails here.
 * Paths are written as OpenAPI writes them: `/v1/messages/{ref}`.
 */
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { createApp } from "../../src/app";
import { callEntry } from "../api/support";
import { codeIn, tableUnder } from "./markdown";

interface Operation {
	security?: Record<string, string[]>[];
}
type Paths = Record<string, Record<string, Operation>>;

/** The words of the "Who may call" column, and the OpenAPI security scheme each names (none: no credentials). */
const schemeOf: Record<string, string | null> = {
	"API key": "bearerAuth",
	"webhook signature": "standardWebhooks",
	"public key": "publicKey",
	// The provider signs its callbacks with a key of its own, checked by the route itself: no scheme of ours.
	"provider signature": null,
	none: null,
};

/** `METHOD /path` → the callers named in its row. */
function readmeRoutes(): Map<string, string[]> {
	const routes = new Map<string, string[]>();
	for (const [method, path, , callers] of tableUnder(readme, "Routes")) {
		const route = `${method} ${codeIn(path ?? "")}`;
		expect(routes.has(route), `${route} has two rows`).toBe(false);
		routes.set(
			route,
			(callers ?? "").split(",").map((caller) => caller.trim()),
		);
	}
	return routes;
}

async function openApiPaths(): Promise<Paths> {
	const doc = (await (await callEntry("/openapi.json")).json()) as { paths: Paths };
	return doc.paths;
}

const sorted = (routes: Iterable<string>) => [...routes].sort();

describe("the README's route table", () => {
	it("has a row for every route of /openapi.json, and no other", async () => {
		const documented = Object.entries(await openApiPaths()).flatMap(([path, operations]) =>
			Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
		);
		expect(documented.length).toBeGreaterThan(0);
		expect(sorted(readmeRoutes().keys())).toEqual(sorted(documented));
	});

	it("has a row for every route the app routes, in OpenAPI's form", () => {
		// Middleware is registered for ALL methods; a route has a method of its own.
		const routed = createApp()
			.routes.filter((route) => route.method !== "ALL")
			.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
		expect(sorted(readmeRoutes().keys())).toEqual(sorted(new Set(routed)));
	});

	it("says who may call each route as its OpenAPI security does", async () => {
		const paths = await openApiPaths();
		for (const [route, callers] of readmeRoutes()) {
			const [method = "", path = ""] = route.split(" ");
			const security = paths[path]?.[method.toLowerCase()]?.security ?? [];
			const schemes = security.flatMap((requirement) => Object.keys(requirement));
			for (const caller of callers) expect(Object.keys(schemeOf), `${route}: "${caller}"`).toContain(caller);
			const named = callers.map((caller) => schemeOf[caller]).filter((scheme) => typeof scheme === "string");
			expect(sorted(named), route).toEqual(sorted(schemes));
		}
	});
});
