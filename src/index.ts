export default {
	async fetch(): Promise<Response> {
		return new Response("edgesend");
	},
} satisfies ExportedHandler;
