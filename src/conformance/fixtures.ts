// Test-only (--conformance-fixtures): the tools, resources and prompts the official MCP conformance suite calls
// by fixed names, so that a scenario passes because the protocol feature works, never because our coded error
// for an unknown tool happens to contain text. Each fixture does the least its scenario checks.
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  ResourceTemplate,
  type CallToolResult,
  type InputRequests,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
  type Tool,
} from '@modelcontextprotocol/server';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';

// A 1x1 PNG and a minimal WAV, as the suite expects some image and audio bytes.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/** requestState round-trips through the client: it is sealed with a key of this process and checked on the way back. */
export const requestStateCodec = createRequestStateCodec<Record<string, unknown>>({ key: new Uint8Array(randomBytes(32)) });

export interface FixtureHooks {
  toolsChanged(): void;
  promptsChanged(): void;
}

type Outcome = CallToolResult | InputRequiredResult;
export interface FixtureTool {
  tool: Tool;
  run(args: Record<string, unknown>, ctx: ServerContext): Promise<Outcome>;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const objectSchema = (properties: Record<string, unknown> = {}, required: string[] = []) => ({ type: 'object' as const, properties, ...(required.length ? { required } : {}) });
const ask = (message: string, field: string, type = 'string') => inputRequired.elicit({ message, requestedSchema: objectSchema({ [field]: { type } }, [field]) as never });
const sample = (prompt: string, maxTokens = 50) => inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens });
const seal = (state: Record<string, unknown>) => requestStateCodec.mint({ ...state, nonce: randomUUID() });
const responseText = (value: unknown) => (value as { content?: { text?: unknown } } | undefined)?.content?.text;

/** Asks the client (2025 sessions: a server-to-client request), answering with what it said or why it could not. */
async function askClient(ctx: ServerContext, request: { method: 'sampling/createMessage' | 'elicitation/create'; params: Record<string, unknown> }, label: string, show: (result: Record<string, unknown>) => string) {
  try {
    return text(`${label}: ${show((await ctx.mcpReq.send(request as never)) as Record<string, unknown>)}`);
  } catch (error) {
    return text(`${label} not supported or error: ${(error as Error).message}`);
  }
}

const elicitation = (message: string, properties: Record<string, unknown>) => ({ method: 'elicitation/create' as const, params: { message, requestedSchema: objectSchema(properties) as never } });
const elicited = (r: Record<string, unknown>) => `action=${String(r.action)}, content=${JSON.stringify(r.content ?? {})}`;

/** Each fixture tool by name: its description, input schema (plain JSON, advertised as written) and behaviour. */
const tools: Record<string, { description: string; inputSchema?: Record<string, unknown>; run: (args: Record<string, unknown>, ctx: ServerContext, hooks: FixtureHooks) => Promise<Outcome> }> = {
  test_simple_text: { description: 'A plain text result', run: async () => text('This is a simple text response for testing.') },
  test_image_content: { description: 'An image result', run: async () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }) },
  test_audio_content: { description: 'An audio result', run: async () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }) },
  test_embedded_resource: {
    description: 'An embedded resource result',
    run: async () => ({ content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }] }),
  },
  test_multiple_content_types: {
    description: 'Text, image and resource in one result',
    run: async () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
      ],
    }),
  },
  test_tool_with_logging: {
    description: 'Sends log messages while it runs',
    run: async (_args, ctx) => {
      for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
        await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
        await new Promise((r) => setTimeout(r, 20));
      }
      return text('Tool with logging executed successfully');
    },
  },
  test_logging_tool: {
    description: 'Logs through the request-scoped channel (sent only when the request asked for a log level)',
    run: async (_args, ctx) => {
      await ctx.mcpReq.log('info', 'test_logging_tool ran');
      return text('logged');
    },
  },
  test_tool_with_progress: {
    description: 'Reports progress when asked to',
    run: async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined) {
        for (const progress of [0, 50, 100]) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `step ${progress}` } });
        }
      }
      return text(String(progressToken ?? 'no-progress-token'));
    },
  },
  test_error_handling: {
    description: 'Always fails',
    run: async () => ({ isError: true, content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }] }),
  },
  test_reconnection: {
    description: 'Closes its SSE stream mid-call; the client reconnects and still gets the result',
    run: async (_args, ctx) => {
      ctx.http?.closeSSE?.();
      await new Promise((r) => setTimeout(r, 100));
      return text('Reconnection test completed successfully.');
    },
  },
  test_streaming_elicitation: { description: 'A plain result on a response stream', run: async () => text('result frames only') },
  test_sampling: {
    description: 'Asks the client for an LLM completion',
    inputSchema: objectSchema({ prompt: { type: 'string' } }, ['prompt']),
    run: (args, ctx) =>
      askClient(ctx, { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: String(args.prompt) } }], maxTokens: 100 } }, 'LLM response', (r) =>
        String(responseText(r) ?? 'No response')),
  },
  test_elicitation: {
    description: 'Asks the user for input',
    inputSchema: objectSchema({ message: { type: 'string' } }, ['message']),
    run: (args, ctx) => askClient(ctx, elicitation(String(args.message), { response: { type: 'string', description: "User's response" } }), 'User response', elicited),
  },
  test_elicitation_sep1034_defaults: {
    description: 'Asks for input with defaults for every primitive type',
    run: (_args, ctx) =>
      askClient(ctx, elicitation('Please review and update the form fields with defaults', {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      }), 'Elicitation completed', elicited),
  },
  test_elicitation_sep1330_enums: {
    description: 'Asks for input with each kind of enum',
    run: (_args, ctx) => {
      const choices = (prefix: string, title: string) => [1, 2, 3].map((i) => ({ const: `${prefix}${i}`, title: `${['First', 'Second', 'Third'][i - 1]} ${title}` }));
      return askClient(ctx, elicitation('Please select options from the enum fields', {
        untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
        titledSingle: { type: 'string', description: 'Select one option with titles', oneOf: choices('value', 'Option') },
        legacyEnum: { type: 'string', description: 'Select one option (legacy)', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
        untitledMulti: { type: 'array', description: 'Select multiple options', minItems: 1, maxItems: 3, items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
        titledMulti: { type: 'array', description: 'Select multiple options with titles', minItems: 1, maxItems: 3, items: { anyOf: choices('value', 'Choice') } },
      }), 'Elicitation completed', elicited);
    },
  },
  json_schema_2020_12_tool: {
    description: 'An input schema using JSON Schema 2020-12 keywords, advertised as written',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' }, contactMethod: { type: 'string', enum: ['phone', 'email'] }, phone: { type: 'string' }, email: { type: 'string' } },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
    run: async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  },
  test_missing_capability: {
    description: 'Needs the sampling capability (an in-band sampling request)',
    run: async (_args, ctx) => (ctx.mcpReq.inputResponses?.llm_answer === undefined ? inputRequired({ inputRequests: { llm_answer: sample('Reply with the single word: pong', 16) } }) : text('sampling round-trip complete')),
  },
  test_input_required_result_elicitation: {
    description: 'Asks for a name in-band',
    run: async (_args, ctx) => {
      const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'user_name')?.name;
      return typeof name === 'string' ? text(`Hello, ${name}!`) : inputRequired({ inputRequests: { user_name: ask('What is your name?', 'name') } });
    },
  },
  test_input_required_result_sampling: {
    description: 'Asks for a completion in-band',
    run: async (_args, ctx) => {
      const answer = ctx.mcpReq.inputResponses?.capital_question;
      return answer === undefined ? inputRequired({ inputRequests: { capital_question: sample('What is the capital of France?', 100) } }) : text(`Sampling response: ${String(responseText(answer) ?? JSON.stringify(answer))}`);
    },
  },
  test_input_required_result_list_roots: {
    description: 'Asks for the client roots in-band',
    run: async (_args, ctx) => {
      const roots = (ctx.mcpReq.inputResponses?.client_roots as { roots?: { uri?: string }[] } | undefined)?.roots;
      return Array.isArray(roots) ? text(`Client exposed ${roots.length} root(s): ${roots.map((r) => r.uri).join(', ')}`) : inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    },
  },
  test_input_required_result_request_state: {
    description: 'Round-trips sealed requestState with an in-band question',
    run: async (_args, ctx) => {
      if (acceptedContent(ctx.mcpReq.inputResponses, 'confirm') === undefined) {
        return inputRequired({ inputRequests: { confirm: ask('Please confirm', 'ok', 'boolean') }, requestState: await seal({ tool: 'request_state' }) });
      }
      if (ctx.mcpReq.requestState() === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid requestState: missing or failed integrity verification');
      return text('state-ok: requestState verified and confirmation received');
    },
  },
  test_input_required_result_multiple_inputs: {
    description: 'Asks for a name, a completion and the roots in one round',
    run: async (_args, ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      const name = acceptedContent<{ name: string }>(responses, 'user_name')?.name;
      const greeting = responseText(responses?.greeting);
      const roots = (responses?.client_roots as { roots?: unknown[] } | undefined)?.roots;
      if (typeof name === 'string' && typeof greeting === 'string' && Array.isArray(roots)) return text(`${greeting} ${name}: ${roots.length} root(s) visible`);
      return inputRequired({
        inputRequests: { user_name: ask('What is your name?', 'name'), greeting: sample('Generate a greeting'), client_roots: inputRequired.listRoots() },
        requestState: await seal({ tool: 'multiple_inputs' }),
      });
    },
  },
  test_input_required_result_multi_round: {
    description: 'Two in-band rounds with changing requestState',
    run: async (_args, ctx) => {
      const state = ctx.mcpReq.requestState<Record<string, unknown>>();
      const round = state?.tool === 'multi_round' && typeof state.round === 'number' ? state.round : 0;
      if (round === 0) return inputRequired({ inputRequests: { step1: ask('Step 1: What is your name?', 'name') }, requestState: await seal({ tool: 'multi_round', round: 1 }) });
      if (round === 1) {
        const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'step1')?.name ?? 'unknown';
        return inputRequired({ inputRequests: { step2: ask('Step 2: What is your favorite color?', 'color') }, requestState: await seal({ tool: 'multi_round', round: 2, name }) });
      }
      const color = acceptedContent<{ color: string }>(ctx.mcpReq.inputResponses, 'step2')?.color ?? 'unknown';
      return text(`Multi-round complete: ${String(state?.name ?? 'unknown')} likes ${color}`);
    },
  },
  test_input_required_result_tampered_state: {
    description: 'Refuses requestState that fails its seal (the server checks it before the handler)',
    run: async (_args, ctx) =>
      ctx.mcpReq.requestState() !== undefined && acceptedContent(ctx.mcpReq.inputResponses, 'confirm') !== undefined
        ? text('integrity-ok: requestState verified')
        : inputRequired({ inputRequests: { confirm: ask('Please confirm', 'ok', 'boolean') }, requestState: await seal({ tool: 'tampered_state' }) }),
  },
  test_input_required_result_capabilities: {
    description: 'Asks only for the kinds of input the client declared',
    run: async (_args, ctx) => {
      if (ctx.mcpReq.inputResponses !== undefined) return text('Capability-aware input requests fulfilled');
      const declared = ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] ?? {}) as Record<string, unknown>;
      const requests: InputRequests = {};
      if (declared.elicitation !== undefined) requests.user_name = ask('What is your name?', 'name');
      if (declared.sampling !== undefined) requests.greeting = sample('Generate a short greeting');
      if (declared.roots !== undefined) requests.client_roots = inputRequired.listRoots();
      return Object.keys(requests).length ? inputRequired({ inputRequests: requests }) : text('No declared client capability supports an in-band input request');
    },
  },
  test_x_mcp_header: {
    description: 'An argument mirrored into the Mcp-Param-Region header (checked by the SDK on 2026 requests)',
    inputSchema: objectSchema({ region: { type: 'string', description: 'mirrored into Mcp-Param-Region', 'x-mcp-header': 'Region' }, level: { type: 'integer' } }),
    run: async (args) => text(`region=${String(args.region ?? '<none>')}`),
  },
  test_trigger_tool_change: { description: 'Announces a tools list change', run: async (_args, _ctx, hooks) => (hooks.toolsChanged(), text('tools_list_changed published')) },
  test_trigger_prompt_change: { description: 'Announces a prompts list change', run: async (_args, _ctx, hooks) => (hooks.promptsChanged(), text('prompts_list_changed published')) },
};

export function fixtureTools(hooks: FixtureHooks): FixtureTool[] {
  return Object.entries(tools).map(([name, f]) => ({
    tool: { name, description: f.description, inputSchema: (f.inputSchema ?? objectSchema()) as Tool['inputSchema'], annotations: { readOnlyHint: true } },
    run: (args, ctx) => f.run(args, ctx, hooks),
  }));
}

/** The fixture resources (and the URIs a subscription may name) and prompts. */
export const fixtureResourceUris = ['test://static-text', 'test://static-binary', 'test://watched-resource'];

/**
 * The SDK checks Mcp-Param-* headers only for tools it registered itself; this registers the one fixture that
 * mirrors an argument into a header, so that the SDK knows its schema (our own tools/list and tools/call
 * handlers, installed after, still serve it).
 */
export function registerHeaderFixture(server: McpServer) {
  const schema = tools.test_x_mcp_header!.inputSchema!;
  server.registerTool('test_x_mcp_header', { inputSchema: fromJsonSchema(schema as never) }, async () => text('served by our own tools/call'));
}

export function registerFixtureResourcesAndPrompts(server: McpServer) {
  const plain = (uri: string, body: string) => async () => ({ contents: [{ uri, mimeType: 'text/plain', text: body }] });
  server.registerResource('static-text', 'test://static-text', { mimeType: 'text/plain' }, plain('test://static-text', 'This is the content of the static text resource.'));
  server.registerResource('static-binary', 'test://static-binary', { mimeType: 'image/png' }, async () => ({ contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }] }));
  server.registerResource('watched-resource', 'test://watched-resource', { mimeType: 'text/plain' }, plain('test://watched-resource', 'Watched resource content'));
  server.registerResource('template', new ResourceTemplate('test://template/{id}/data', { list: undefined }), { mimeType: 'application/json' }, async (uri, { id }) => ({
    contents: [{ uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
  }));
  const user = (text: string) => ({ role: 'user' as const, content: { type: 'text' as const, text } });
  server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments' }, async () => ({ messages: [user('This is a simple prompt for testing.')] }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    { description: 'A prompt with two arguments', argsSchema: z.object({ arg1: z.string().describe('First test argument'), arg2: z.string().describe('Second test argument') }) },
    async ({ arg1, arg2 }) => ({ messages: [user(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`)] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'A prompt embedding a resource', argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }) },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        user('Please process the embedded resource above.'),
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image' }, async () => ({
    messages: [{ role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } }, user('Please analyze the image above.')],
  }));
  server.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that asks for context in-band first' }, (async (ctx: ServerContext) => {
    const context = acceptedContent<{ context: string }>(ctx.mcpReq.inputResponses, 'user_context')?.context;
    return typeof context === 'string'
      ? { messages: [user(`Use the following context: ${context}`)] }
      : inputRequired({ inputRequests: { user_context: ask('What context should the prompt use?', 'context') } });
  }) as never);
}
