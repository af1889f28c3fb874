/** Calls per second of `call` with `concurrency` calls in flight, for `ms`. */
export async function callsPerSecond(call: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let calls = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        calls++;
      }
    }),
  );
  return calls / (ms / 1000);
}
