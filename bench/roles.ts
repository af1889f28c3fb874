/**
 * The other processes of `npm run bench`. The bench bundle runs itself again with
 * TOLLGATE_BENCH_ROLE set: an OpenAI-shaped upstream, tollgate's HTTP handler in front of it, a
 * bare fetch proxy in front of it, or one size of the scale bench. A server prints its origin as
 * its first line of output and serves until its stdin closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type Role = 'upstream' | 'handler' | 'proxy' | 'scale';

export interface Child {
  /** The first line the child printed: a server's origin, or the scale bench's JSON. */
  line: string;
  /** The child's process id (its CPU time is read from /proc by the HTTP bench). */
  pid: number;
  stop(): Promise<void>;
}

/** Runs this bundle as `role` (with `--expose-gc` for the scale bench) and waits for its first line. */
export async function startRole(role: Role, env: Record<string, string> = {}, command?: { args: string[]; cwd?: string }): Promise<Child> {
  const args = command?.args ?? [...(role === 'scale' ? ['--expose-gc'] : []), process.argv[1]!];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env, TOLLGATE_BENCH_ROLE: role },
    stdio: ['pipe', 'pipe', 'inherit'],
    ...(command?.cwd ? { cwd: command.cwd } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench ${role} process exited (${code}) before it printed a line`)));
  });
  return {
    line,
    pid: child.pid!,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when the parent closes this process's stdin. */
export const untilStdinEnds = () => new Promise<void>((resolve) => process.stdin.on('end', resolve).resume());
