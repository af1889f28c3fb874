import type { ChatContext, ChatMiddleware, ChatOutcome } from './types.js';

/** Runs `middlewares` in order, each wrapping the rest of the chain, ending with `terminal`. */
export function runChain(
  middlewares: readonly ChatMiddleware[],
  ctx: ChatContext,
  terminal: (ctx: ChatContext) => Promise<ChatOutcome>,
): Promise<ChatOutcome> {
  if (middlewares.length === 0) return terminal(ctx);
  const dispatch = async (index: number): Promise<ChatOutcome> => {
    const middleware = middlewares[index];
    if (!middleware) return terminal(ctx);
    let called = false;
    return middleware(ctx, () => {
      // A second call would make a second provider call behind the limits' back.
      if (called) return Promise.reject(new Error(`middleware #${index} called next() more than once`));
      called = true;
      return dispatch(index + 1);
    });
  };
  return dispatch(0);
}
