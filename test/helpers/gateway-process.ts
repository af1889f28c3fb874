import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type Answer = { result?: unknown; error?: string };

const WORKER = new URL('../policy/keys-worker.ts', import.meta.url).pathname;

/**
 * A gateway in a process of its own (test/policy/keys-worker.ts, or `worker`) on the Redis at
 * `redisPort` under `prefix`: `ask` sends one command and resolves with its answer.
 */
export function gatewayProcess(redisPort: number, prefix: string, env: Record<string, string> = {}, worker = WORKER) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker], {
    env: { ...process.env, ...env, REDIS_PORT: String(redisPort), PREFIX: prefix },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async ask(command: Record<string, unknown>): Promise<Answer> {
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      const next = await answers.next();
      if (next.done) throw new Error('the gateway process ended');
      return JSON.parse(next.value) as Answer;
    },
    end: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}
