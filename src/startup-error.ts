/**
 * A reason the server cannot start, worded for the person starting it: one line naming the flag or path and
 * what to do. The CLI prints the message alone (the cause's stack only at debug level) and exits 1.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
