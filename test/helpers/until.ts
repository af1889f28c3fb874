/** The real clock, taken before any test fakes `performance`. */
const realNow = performance.now.bind(performance);

/**
 * Waits until `condition` holds, checking it before each turn of the event loop (setImmediate,
 * which fake timers leave alone). With `maxTicks`, fails after that many turns: a promise chain
 * in this process must settle within them. Without, fails after 15 s of real time, a bound only a
 * broken test reaches: what it waits for is an event (I/O, a timer it fired), never a duration.
 */
export async function until(condition: () => boolean, maxTicks?: number): Promise<void> {
  const deadline = realNow() + 15_000;
  for (let i = 0; maxTicks === undefined ? realNow() < deadline : i < maxTicks; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error('condition not reached');
}
