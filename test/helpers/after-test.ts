/**
 * What a test started and must be stopped after it, whatever its outcome: servers, clients.
 * test/setup.ts runs `closeAfterTest` after every test of every file.
 */
const pending: Array<() => Promise<void> | void> = [];

/** `close` runs after the current test. */
export function afterTest(close: () => Promise<void> | void): void {
  pending.push(close);
}

export async function closeAfterTest(): Promise<void> {
  const closes = pending.splice(0);
  await Promise.all(closes.map(async (close) => close()));
}
