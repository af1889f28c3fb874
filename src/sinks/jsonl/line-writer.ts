/** Where the jsonl sink puts its lines: a file it owns, or a stream it was given. */
export interface LineWriter {
  /** Writes whole lines, in one piece; rejects without writing when `signal` aborted first. */
  write(text: string, signal: AbortSignal): Promise<void>;
  /** Resolves once what was written is as durable as this writer makes it. */
  flush(): Promise<void>;
  /** Flushes, then releases what the writer owns; later writes are refused. */
  close(): Promise<void>;
}

/** A write after `close()`: the sink never reopens what it closed. */
export class SinkClosedError extends Error {
  constructor(what: string) {
    super(`jsonl sink: ${what} is closed; nothing more is written to it`);
    this.name = 'SinkClosedError';
  }
}
