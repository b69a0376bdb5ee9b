import pino, { type Logger } from 'pino';

/** Logs go to stderr only: on stdio, stdout belongs to the MCP transport from the first byte. */
export const createLogger = (level = process.env.CONTROL_PLANE_LOG_LEVEL ?? 'info'): Logger =>
  pino({ name: 'control-plane-mcp', level, redact: { paths: ['*.envVars', '*.headers', '*.token', '*.apiKey'], censor: '[REDACTED]' } }, pino.destination(2));
