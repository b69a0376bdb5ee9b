// A stand-in for the vendors' model APIs on loopback, so the real agent CLIs can run offline:
//   POST /v1/messages           Anthropic Messages (Claude Code, through ANTHROPIC_BASE_URL)
//   POST /v1/responses          OpenAI Responses (Codex, through a custom model provider)
//   POST /v1/chat/completions   OpenAI Chat Completions (OpenCode, through an OpenAI-compatible provider)
// Every answer streams as server-sent events, with fixed usage so tests can assert tokens and cost.
//
// What the model does is steered by the prompt: `[[write PATH]]` makes it call the CLI's file-writing tool
// (Claude's Write, Codex's exec_command through its exec tool, OpenCode's write) once, then report what the
// tool answered; otherwise it greets, saying how many prompts of ours the conversation holds (2 after a resume).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const USAGE = { input: 1000, cached: 400, output: 50 };
export const WRITTEN = 'written by the fake model';
/** The line our adapters put between the prompt and the context: it marks the prompts that are ours. */
const OURS = 'Context (JSON):';

export interface ModelRequest {
  api: 'anthropic' | 'responses' | 'chat';
  path: string;
  body: Record<string, unknown>;
}

type Json = Record<string, unknown>;
type Turn = { kind: 'text'; text: string } | { kind: 'tool'; path: string } | { kind: 'after-tool'; output: string };

const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : asArray(content).map((c) => (typeof c.text === 'string' ? c.text : '')).join('\n');

/** One conversation, reduced to what decides the reply: our prompts, the last one, and whether a tool just answered. */
interface Conversation {
  prompts: string[];
  toolOutput: string | null;
}

function decide(conversation: Conversation): Turn {
  if (conversation.toolOutput !== null) return { kind: 'after-tool', output: conversation.toolOutput };
  const last = conversation.prompts.at(-1) ?? '';
  const write = /\[\[write (\S+)\]\]/.exec(last);
  if (write) return { kind: 'tool', path: write[1]! };
  return { kind: 'text', text: `Hello from the fake model (prompt ${conversation.prompts.length}).` };
}

const finalText = (turn: Turn) => (turn.kind === 'after-tool' ? `Tool answered: ${turn.output.slice(0, 500)}` : turn.kind === 'text' ? turn.text : '');

// ---- reading each API's conversation

function anthropicConversation(body: Json): Conversation {
  const messages = asArray(body.messages).filter((m) => m.role === 'user' || m.role === 'assistant');
  const prompts = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).filter((t) => t.includes(OURS));
  const last = messages.at(-1);
  const result = last?.role === 'user' ? asArray(last.content).find((c) => c.type === 'tool_result') : undefined;
  return { prompts, toolOutput: result ? textOf(result.content) || String(result.content ?? '') : null };
}

function responsesConversation(body: Json): Conversation {
  const input = asArray(body.input);
  const prompts = input.filter((i) => i.type === 'message' && i.role === 'user').map((i) => textOf(i.content)).filter((t) => t.includes(OURS));
  const last = input.at(-1);
  const isOutput = last && (last.type === 'custom_tool_call_output' || last.type === 'function_call_output');
  return { prompts, toolOutput: isOutput ? (typeof last.output === 'string' ? last.output : JSON.stringify(last.output)) : null };
}

function chatConversation(body: Json): Conversation {
  const messages = asArray(body.messages);
  const prompts = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).filter((t) => t.includes(OURS));
  const last = messages.at(-1);
  return { prompts, toolOutput: last?.role === 'tool' ? textOf(last.content) : null };
}

// ---- writing each API's stream

function sse(res: ServerResponse, events: Array<[string | null, unknown]>) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events) res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  res.end();
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

function anthropicReply(res: ServerResponse, body: Json, turn: Turn) {
  const model = typeof body.model === 'string' ? body.model : 'claude-test';
  const usage = { input_tokens: USAGE.input - USAGE.cached, cache_read_input_tokens: USAGE.cached, cache_creation_input_tokens: 0, output_tokens: 1 };
  const block =
    turn.kind === 'tool'
      ? { start: { type: 'tool_use', id: nextId('toolu'), name: 'Write', input: {} }, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ file_path: turn.path, content: WRITTEN }) } }
      : { start: { type: 'text', text: '' }, delta: { type: 'text_delta', text: finalText(turn) } };
  const stop = turn.kind === 'tool' ? 'tool_use' : 'end_turn';
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const content = turn.kind === 'tool' ? [{ ...block.start, input: { file_path: turn.path, content: WRITTEN } }] : [{ type: 'text', text: finalText(turn) }];
    res.end(JSON.stringify({ id: nextId('msg'), type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: { ...usage, output_tokens: USAGE.output } }));
    return;
  }
  sse(res, [
    ['message_start', { type: 'message_start', message: { id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: block.start }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: block.delta }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: USAGE.output } }],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

function responsesReply(res: ServerResponse, body: Json, turn: Turn) {
  const id = nextId('resp');
  const item =
    turn.kind === 'tool'
      ? {
          type: 'custom_tool_call', id: nextId('ctc'), call_id: nextId('call'), name: 'exec', status: 'completed',
          input: `const r = await tools.exec_command({ cmd: ${JSON.stringify(`printf '%s' '${WRITTEN}' > '${turn.path}'`)}, login: false });\ntext(JSON.stringify(r));`,
        }
      : { type: 'message', id: nextId('msg'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: finalText(turn), annotations: [] }] };
  const usage = { input_tokens: USAGE.input, input_tokens_details: { cached_tokens: USAGE.cached }, output_tokens: USAGE.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: USAGE.input + USAGE.output };
  const response = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model, status: 'in_progress', output: [] as unknown[] };
  sse(res, [
    ['response.created', { type: 'response.created', sequence_number: 0, response }],
    ['response.output_item.added', { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...item, status: 'in_progress' } }],
    ...(item.type === 'message'
      ? ([['response.output_text.delta', { type: 'response.output_text.delta', sequence_number: 2, item_id: item.id, output_index: 0, content_index: 0, delta: finalText(turn) }]] as Array<[string, unknown]>)
      : []),
    ['response.output_item.done', { type: 'response.output_item.done', sequence_number: 3, output_index: 0, item }],
    ['response.completed', { type: 'response.completed', sequence_number: 4, response: { ...response, status: 'completed', output: [item], usage } }],
  ]);
}

function chatReply(res: ServerResponse, body: Json, turn: Turn) {
  const base = { id: nextId('chatcmpl'), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
  const delta =
    turn.kind === 'tool'
      ? { role: 'assistant', tool_calls: [{ index: 0, id: nextId('call'), type: 'function', function: { name: 'write', arguments: JSON.stringify({ filePath: turn.path, content: WRITTEN }) } }] }
      : { role: 'assistant', content: finalText(turn) };
  const usage = { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output, prompt_tokens_details: { cached_tokens: USAGE.cached } };
  sse(res, [
    [null, { ...base, choices: [{ index: 0, delta, finish_reason: null }] }],
    [null, { ...base, choices: [{ index: 0, delta: {}, finish_reason: turn.kind === 'tool' ? 'tool_calls' : 'stop' }] }],
    [null, { ...base, choices: [], usage }],
    [null, '[DONE]'],
  ]);
}

const routes: Record<string, { api: ModelRequest['api']; read: (b: Json) => Conversation; reply: (res: ServerResponse, b: Json, t: Turn) => void }> = {
  '/v1/messages': { api: 'anthropic', read: anthropicConversation, reply: anthropicReply },
  '/v1/responses': { api: 'responses', read: responsesConversation, reply: responsesReply },
  '/v1/chat/completions': { api: 'chat', read: chatConversation, reply: chatReply },
};

async function readBody(req: IncomingMessage) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** Starts the fake on an ephemeral loopback port. `requests` keeps every model call, for assertions. */
export async function startFakeModelApi() {
  const requests: ModelRequest[] = [];
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const text = await readBody(req);
    const route = req.method === 'POST' ? routes[path] : undefined;
    if (!route) {
      // Side calls the CLIs make (reachability checks, model lists): answer politely and emptily.
      res.writeHead(path === '/v1/models' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(path === '/v1/models' ? JSON.stringify({ object: 'list', data: [] }) : '{}');
      return;
    }
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      res.writeHead(400).end();
      return;
    }
    requests.push({ api: route.api, path, body });
    route.reply(res, body, decide(route.read(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
