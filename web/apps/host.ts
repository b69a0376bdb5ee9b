// The MCP Apps side of a view: connects to the host (the MCP client showing it) over postMessage, follows the
// host's theme, and hands each result of the view's tool to `show`. Refresh asks the host to call the tool again.
import { App, applyDocumentTheme } from '@modelcontextprotocol/ext-apps';

export function connectView<T>(name: string, tool: string, show: (result: T) => void, fail: (message: string) => void) {
  const app = new App({ name, version: '1.0.0' });
  let lastArgs: Record<string, unknown> = {};
  app.ontoolinput = (input) => void (lastArgs = (input.arguments ?? {}) as Record<string, unknown>);
  app.ontoolresult = (result) => {
    if (result.isError) fail((result.content?.[0] as { text?: string } | undefined)?.text ?? 'the call failed');
    else show(result.structuredContent as T);
  };
  app.onhostcontextchanged = (context) => context.theme && applyDocumentTheme(context.theme);
  void app.connect().then(() => {
    const theme = app.getHostContext()?.theme;
    if (theme) applyDocumentTheme(theme);
  }, (error: Error) => fail(`not inside an MCP Apps host: ${error.message}`));
  return {
    refresh: async () => {
      const result = await app.callServerTool({ name: tool, arguments: lastArgs });
      app.ontoolresult?.(result as never);
    },
  };
}
