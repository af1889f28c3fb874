// npm test: `tollgate serve` from the sources, in processes of its own where it serves (and a redis-server of its own); a few seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/http.js';
import { main } from '../../src/server/cli.js';
import { useTestRedis } from '../helpers/redis-server.js';

/** The server as an operator runs it: its endpoints, its log, its readiness, its shutdown. */

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** tsx's loader by its file URL: the sources run from any working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const FIXTURES = fileURLToPath(new URL('../fixtures/server/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-serve-'));
const redis = useTestRedis({ beforeAll, afterAll });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Served {
  child: ChildProcess;
  url: string;
  /** Every line it printed on stdout so far, parsed. */
  lines: Array<Record<string, unknown>>;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** `tollgate serve` on a free port; resolves once it logged that it listens. */
function serve(config: string, env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve', '--config', join(FIXTURES, config), '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const served: Served = { child, url: '', lines: [], stdout: [], stderr: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  createInterface({ input: child.stderr! }).on('line', (line) => served.stderr.push(line));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      served.stdout.push(line);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      served.lines.push(parsed);
      if (parsed.msg === 'listening') resolve({ ...served, url: parsed.url as string });
    });
    void served.exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${served.stderr.join('\n')}`)));
  });
}

/** The command in this process, for what ends before it serves: its exit code and output. */
async function run(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, cwd: dir });
  return { code, stdout, stderr };
}

const chat = (url: string, token: string, body: Record<string, unknown>) =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }) });

describe('tollgate serve', () => {
  it('serves /v1 with a key, /healthz, /readyz and the dashboard behind its authorize; one JSON log line per request, never a token', async () => {
    const { token, hash } = generateKey();
    const server = await serve('slow-stream.config.ts', { APP_KEY_HASH: hash, USAGE_FILE: join(dir, 'usage-1.jsonl') });
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status).toBe(200);
    const answer = await chat(server.url, token, {});
    expect(answer.status).toBe(200);
    const requestId = answer.headers.get('x-request-id');
    expect(((await answer.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('one two three four five');
    expect((await chat(server.url, 'tg_not-a-key', {})).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard/api/me`)).status).toBe(401);
    const me = await fetch(`${server.url}/dashboard/api/me`, { headers: { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` } });
    expect(await me.json()).toEqual({ actor: 'admin', role: 'admin', workspaces: [] });
    // Logged once each answer is out: the last two (the dashboard's) end the wait.
    await expect.poll(() => server.lines.filter((l) => l.msg === 'request' && String(l.route).startsWith('/dashboard')).length).toBe(2);
    const requests = server.lines.filter((l) => l.msg === 'request');
    expect(requests.find((l) => l.requestId === requestId)).toMatchObject({ level: 'info', method: 'POST', route: '/v1/chat/completions', status: 200, key: 'app', workspace: 'team', model: 'm', durationMs: expect.any(Number), time: expect.any(String) });
    expect(requests.filter((l) => l.status === 401).map((l) => l.route)).toEqual(['/v1/chat/completions', '/dashboard/api/me']);
    expect(requests.filter((l) => l.route === '/healthz' || l.route === '/readyz').length).toBeGreaterThanOrEqual(2);
    expect(server.stdout.join('\n').includes(token)).toBe(false);
    expect(server.stdout.join('\n').includes('tg_not-a-key')).toBe(false);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines.at(-1)).toMatchObject({ msg: 'stopped', reason: 'SIGTERM' });
  });

  it('SIGTERM during a slow stream: the stream completes, the process exits 0, and the call is in the JSONL file', async () => {
    const { token, hash } = generateKey();
    const usageFile = join(dir, 'usage-2.jsonl');
    const server = await serve('slow-stream.config.ts', { APP_KEY_HASH: hash, USAGE_FILE: usageFile, CHUNK_DELAY_MS: '150' });
    const answer = await chat(server.url, token, { stream: true });
    const requestId = answer.headers.get('x-request-id');
    const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? '';
    // The first chunk is in: the server is told to stop while the rest is still to come.
    server.child.kill('SIGTERM');
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    const content = text
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(content).toBe('one two three four five');
    expect(text).toContain('data: [DONE]');
    expect(await server.exited).toBe(0);
    const events = readFileSync(usageFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { requestId: string; status: string; stream: boolean });
    expect(events.find((e) => e.requestId === requestId)).toMatchObject({ status: 'success', stream: true });
    expect(server.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'request', 'stopped']));
  });

  it('a second signal exits at once, without waiting for the calls in flight', async () => {
    const { token, hash } = generateKey();
    const server = await serve('slow-stream.config.ts', { APP_KEY_HASH: hash, USAGE_FILE: join(dir, 'usage-3.jsonl'), CHUNK_DELAY_MS: '600000' });
    const answer = await chat(server.url, token, { stream: true });
    const reader = answer.body!.getReader();
    await reader.read();
    server.child.kill('SIGTERM');
    await expect.poll(() => server.lines.some((l) => l.msg === 'draining')).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    expect(server.stderr.join('\n')).toContain('second signal');
  });

  it('a config that does not validate exits 1, naming the path of each problem, the server part too', async () => {
    const { code, stderr } = await run('serve', '--config', join(FIXTURES, 'bad.config.mjs'));
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid config (3 problems)');
    for (const path of ['server.port', 'server.drainTimeoutMs', 'integrations[0].provider']) expect(stderr).toContain(`- ${path}:`);
  });

  it('a missing config file, an unknown command or a bad port: a message and a non-zero exit', async () => {
    expect(await run('serve')).toMatchObject({ code: 1, stderr: expect.stringContaining('no config file: give --config FILE, or put one of tollgate.config.ts') });
    expect(await run('launch')).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'launch'") });
    expect(await run('serve', '--port', 'x')).toMatchObject({ code: 2, stderr: expect.stringContaining('--port must be a port number') });
    expect(await run('serve', '--log', 'xml')).toMatchObject({ code: 2, stderr: expect.stringContaining("--log must be json or pretty, not 'xml'") });
    expect(await run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: tollgate serve') });
  });

  it.skipIf(!redis.available)('/readyz is 503 while Redis is stopped, and 200 again once it is back; /healthz stays 200', async () => {
    const server = await serve('redis.config.mjs', { REDIS_PORT: String(redis.server.port) });
    const ready = async () => (await fetch(`${server.url}/readyz`)).status;
    await expect.poll(ready).toBe(200);
    await redis.server.stop();
    await expect.poll(ready, { timeout: 15_000 }).toBe(503);
    const down = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; reason: string };
    expect(down).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('the redis store does not answer') });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await redis.server.start();
    await expect.poll(ready, { timeout: 15_000 }).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
