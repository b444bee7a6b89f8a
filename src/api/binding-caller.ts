/**
 * The mark the RPC door (src/rpc/) puts on the env of the requests it builds,
 * so that the app's own authentication recognises a caller holding the
 * service binding. It is a Symbol key: the runtime builds the env of an HTTP
 * request from string-named bindings only, so nothing a request carries, and
 * no setting, can ever produce it. The binding itself is the credential.
 */
import type { Bindings } from "../env";

export const BINDING_CALLER: unique symbol = Symbol("edgesend.binding-caller");

/** What the door says about who holds the binding. */
export interface BindingCallerMark {
	/** From the binding's `props.caller` when the deployer set one, else "binding" (an invalid one never gets here: rpc/call.ts). */
	name: string;
}

export type MarkedBindings = Bindings & { [BINDING_CALLER]?: BindingCallerMark };

/** The mark, when the request came through the RPC door. */
export const bindingCallerOf = (env: Bindings | undefined): BindingCallerMark | undefined =>
	(env as MarkedBindings | undefined)?.[BINDING_CALLER];
