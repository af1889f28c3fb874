/**
 * Portkey's open-source gateway (`@portkey-ai/gateway`), for the side-by-side HTTP bench. It is
 * not a dependency of tollgate: the bench installs the pinned version into
 * node_modules/.cache/tollgate-bench on first use (BENCH_PORTKEY=0 skips it), and starts it as
 * its docs say (`--port`, `--headless`), routing to the bench's upstream with its
 * `x-portkey-custom-host` header.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../test/helpers/redis-server.js';

export const PORTKEY_VERSION = '1.15.2';
const dir = resolve('node_modules/.cache/tollgate-bench/portkey');
const script = resolve(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js');

/** Installs Portkey if needed; null (with the reason printed) when it cannot be. */
function installed(): string | null {
  if (existsSync(script)) return script;
  console.log(`bench: installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${dir} (for the side-by-side HTTP figures)`);
  const run = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `@portkey-ai/gateway@${PORTKEY_VERSION}`], { stdio: 'inherit' });
  if (run.status !== 0 || !existsSync(script)) {
    console.log('bench: Portkey could not be installed; its figures are left out');
    return null;
  }
  return script;
}

export interface Portkey {
  origin: string;
  /** The headers that route a call through Portkey to the upstream. */
  headers: Record<string, string>;
  stop(): void;
}

/** Portkey's gateway on a free port, routing to `upstream` (`.../v1`); null when it is not available. */
export async function startPortkey(upstream: string): Promise<Portkey | null> {
  if (process.env.BENCH_PORTKEY === '0') return null;
  const path = installed();
  if (!path) return null;
  const port = await freePort();
  const child = spawn(process.execPath, [path, `--port=${port}`, '--headless'], { stdio: 'ignore' });
  const origin = `http://127.0.0.1:${port}`;
  const headers = { 'content-type': 'application/json', authorization: 'Bearer bench-key', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstream };
  // It prints a spinner for a second before it listens: poll until it answers a call.
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const res = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }) });
      await res.arrayBuffer();
      if (res.ok) return { origin, headers, stop: () => child.kill() };
    } catch {
      // Not listening yet.
    }
  }
  child.kill();
  console.log('bench: Portkey did not answer within 10 s; its figures are left out');
  return null;
}
