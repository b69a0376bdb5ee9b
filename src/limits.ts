// Sizes the transports agree on, with why.

const MiB = 1024 * 1024;

/**
 * The largest inbound message (one stdio line or one HTTP body). Bigger ones are refused with an error and the
 * connection keeps serving; realm documents larger than this travel as files (realm_export/realm_import `file`).
 */
export const MAX_MESSAGE_BYTES = 16 * MiB;

/**
 * The largest result a tool call returns inline. The SDK clients read at most 10 MB per message by default, and
 * a result above that would end the client's session; past this size a call answers with an error that says
 * how to ask for less.
 */
export const MAX_RESULT_BYTES = 8 * MiB;

/**
 * Above this size the text block of a result is a summary rather than a second copy of the structured result.
 * The copy is for clients that show a model only text; 256 KiB of JSON is already some 70,000 tokens, and a copy
 * doubles the message (sent as an escaped string next to structuredContent) for every client, which reads and
 * parses both (hierarchy_tree of 10,000 agents: 0.98 MB of JSON, 2.1 MB with the copy).
 */
export const FULL_TEXT_RESULT_BYTES = MiB / 4;
