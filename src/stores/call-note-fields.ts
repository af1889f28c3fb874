/**
 * Where each field stands in a call's note (AdmitInput.note): a JSON array, not an object, so
 * that it stays under a hundred-odd bytes. A reservation row of SQLite past about a kilobyte spills
 * into overflow pages: a note with field names cost a SQLite store a fifth of its calls per second
 * and ten times its p99. The gateway writes it (limits/call-note.ts); a store with a ledger reads
 * these positions to write the row of a call that expired unsettled.
 */
export const NOTE = {
  version: 0,
  operation: 1,
  stream: 2,
  startedAt: 3,
  workspace: 4,
  integration: 5,
  provider: 6,
  model: 7,
  key: 8,
  user: 9,
  inputTokens: 10,
  outputTokens: 11,
  costMicros: 12,
  priceSource: 13,
  /** Absent when the caller named the model `@integration/model`. */
  requestedModel: 14,
  /** Absent when empty. */
  metadata: 15,
} as const;
