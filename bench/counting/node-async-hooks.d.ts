/**
 * The one Node API the counting code uses inside workerd (nodejs_compat
 * provides it); declared here because the Worker's type setup has no Node types.
 */
declare module "node:async_hooks" {
	export class AsyncLocalStorage<T> {
		getStore(): T | undefined;
		run<R>(store: T, callback: () => R): R;
	}
}
