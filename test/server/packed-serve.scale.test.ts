// npm run test:scale: packs the package, installs it in a fresh project with npm, and runs `npx tollgate serve` there; about half a minute.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/http.js';

/**
 * `tollgate serve` as a user runs it: the package packed as npm publishes it, installed in a new
 * project with npm, started with `npx tollgate serve --config` on a .mjs and on a .ts config
 * (Node's own type stripping: no build step, no loader), called with the `openai` client.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'tollgate-fresh-'));
const running = new Set<ChildProcess>();
const servers = new Set<number>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const pid of servers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  running.clear();
  servers.clear();
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The newest modification time under `dir`. */
const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true, recursive: true }).reduce((max, e) => (e.isFile() ? Math.max(max, statSync(join(e.parentPath, e.name)).mtimeMs) : max), 0);

// The test's own Node (22, the floor, in CI) runs npm, npx and the server.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

beforeAll(() => {
  // Built first when the build is missing or older than the sources (CI builds before its tests).
  const built = join(ROOT, 'dist/cli.js');
  let stale = true;
  try {
    stale = statSync(built).mtimeMs < newest(join(ROOT, 'src'));
  } catch {
    stale = true;
  }
  if (stale) execFileSync(process.execPath, [join(ROOT, 'node_modules/tsup/dist/cli-default.js')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: ROOT, env, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module' }, null, 2));
  // From npm's cache where it can (CI installed the same packages for the repository).
  execFileSync('npm', ['install', join(project, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, env, stdio: ['ignore', 'ignore', 'inherit'] });
}, 180_000);

const CONFIG_BODY = `{
  integrations: [{ slug: 'llm', provider: 'mock', models: ['gpt-4o-mini'], workspaces: { team: { budgets: [{ type: 'tokens', limit: 100000 }] } } }],
  keys: [{ id: 'app', workspace: 'team', integration: 'llm', hash: process.env.APP_KEY_HASH }],
  server: {
    dashboard: { authorize: (request) => request.headers.get('authorization') === 'Basic ' + btoa('admin:secret') },
  },
}`;

const CONFIGS = {
  'tollgate.config.mjs': `import { defineConfig } from 'tollgate';\n\nexport default defineConfig(${CONFIG_BODY});\n`,
  // Types that only type stripping lets through: an annotation, and a type-only import.
  'tollgate.config.ts': `import { defineConfig, type TollgateConfig } from 'tollgate';\n\nconst config: TollgateConfig = ${CONFIG_BODY.replace('(request) =>', '(request: Request): boolean =>')};\n\nexport default defineConfig(config);\n`,
};

/** `npx tollgate serve --config <file> --port 0` in the project; resolves with its URL once it listens. */
function npxServe(config: string, token: { hash: string }): Promise<{ child: ChildProcess; pid: number; url: string; exited: Promise<number | null>; stdoutClosed: Promise<void>; stderr: string[]; messages: string[] }> {
  const child = spawn('npx', ['tollgate', 'serve', '--config', config, '--port', '0'], { cwd: project, env: { ...env, APP_KEY_HASH: token.hash }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const stderr: string[] = [];
  const messages: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Closed once every process writing to it is gone: npx, and the server it started.
  const stdoutClosed = new Promise<void>((resolve) => child.stdout!.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as { msg: string; url?: string; pid?: number };
      messages.push(parsed.msg);
      if (parsed.pid !== undefined) servers.add(parsed.pid);
      if (parsed.msg === 'listening') resolve({ child, pid: parsed.pid!, url: parsed.url!, exited, stdoutClosed, stderr, messages });
    });
    void exited.then((code) => reject(new Error(`npx tollgate serve exited (${code}) before listening: ${stderr.join('\n')}`)));
  });
}

describe('npx tollgate serve, from the packed package in a fresh project', () => {
  for (const [file, source] of Object.entries(CONFIGS)) {
    it(`${file}: /readyz turns 200, the openai client calls /v1 with a key, the dashboard answers behind its authorize`, async () => {
      writeFileSync(join(project, file), source);
      const key = generateKey();
      const server = await npxServe(file, key);
      await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status, { timeout: 15_000 }).toBe(200);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.token, maxRetries: 0 });
      const reply = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
      expect(reply.choices[0]!.message.content).toContain('Hello');
      await expect(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'tg_wrong', maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
      expect((await fetch(`${server.url}/dashboard`)).status).toBe(401);
      const page = await fetch(`${server.url}/dashboard`, { headers: { authorization: `Basic ${btoa('admin:secret')}` } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<nav aria-label="Views">');
      // The server's own process (npx does not pass a SIGTERM on: a container runs the bin
      // itself, see docs/server.md); its exit code is test/server/serve.test.ts's to check.
      process.kill(server.pid, 'SIGTERM');
      await server.stdoutClosed;
      expect(server.messages.slice(-2)).toEqual(['draining', 'stopped']);
      expect(server.stderr).toEqual([]);
    }, 60_000);
  }

  it('a .ts config with import/export in a CommonJS package (what `npm init -y` makes) exits 1 saying to name it .mts', async () => {
    const cjs = join(project, 'cjs');
    execFileSync('mkdir', ['-p', cjs]);
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'cjs-project', private: true, type: 'commonjs' }));
    writeFileSync(join(cjs, 'tollgate.config.ts'), CONFIGS['tollgate.config.ts']);
    const child = spawn(process.execPath, [join(project, 'node_modules/tollgate/bin/tollgate.js'), 'serve'], { cwd: cjs, env, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(stderr).toContain('name it tollgate.config.mts (or .mjs), or set "type": "module"');
  }, 60_000);
});
