/**
 * Waits (without timers, so that fake timers do not matter) until `condition` holds, checking it
 * before each of at most `maxTicks` turns of the event loop and once after the last.
 */
export async function until(condition: () => boolean, maxTicks = 200_000): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error('condition not reached');
}
