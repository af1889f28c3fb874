/**
 * An async generator whose early `return` (the reader left) also reaches the stream it reads:
 * an async generator returned before its first next() never runs its body, so the stream inside
 * would never be iterated, so never settled (its reservation held until it expires, no usage
 * event) when the reader left before the first item. It is started, then returned.
 */
export function startedOnReturn<T>(items: AsyncGenerator<T, undefined>): AsyncIterableIterator<T> {
  let started = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      started = true;
      return items.next();
    },
    async return(value?: unknown) {
      if (!started) {
        started = true;
        await items.next().catch(() => {});
      }
      return items.return(value as undefined);
    },
  };
}
