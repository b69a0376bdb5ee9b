/**
 * "The first of this turn of the event loop": group commit and the stdio wire both run the first piece of
 * work of a turn at once (no added latency one call at a time) and gather what follows in the same turn (the
 * rest of a chunk of pipelined requests) for its end.
 */
export class TurnGate {
  private taken = false;

  /** True once per turn: for the first caller, until setImmediate (the end of the turn) opens it again. */
  first(): boolean {
    if (this.taken) return false;
    this.taken = true;
    setImmediate(() => (this.taken = false));
    return true;
  }
}
