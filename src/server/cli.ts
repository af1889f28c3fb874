import { parseArgs } from 'node:util';
import { ConfigError } from '../errors/config-error.js';
import { loadConfig, ConfigLoadError } from './load-config.js';
import { startServer } from './serve.js';
import { serverLog } from './server-log.js';

const USAGE = `Usage: tollgate serve [--config FILE] [--port N] [--host H] [--log json|pretty]

  --config FILE   the config (default: tollgate.config.{ts,mts,js,mjs} in this directory),
                  whose default export is defineConfig({ ...createGateway options, server: {...} })
  --port N        overrides server.port (default 8787)
  --host H        overrides server.host (default 127.0.0.1; 0.0.0.0 in a container)
  --log FORMAT    one JSON object per line (json, the default) or lines for people (pretty)

Serves the OpenAI-compatible routes (/v1/...), GET /healthz and GET /readyz, and the dashboard
with its admin API when the config gives server.dashboard. SIGTERM or SIGINT drains and exits 0;
a second one exits at once.`;

/** Where the command writes and where it looks for a config: the process's own unless given. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/**
 * `tollgate serve`: loads the config, serves it, and drains on SIGTERM or SIGINT. Returns the
 * exit code for a command that ends before serving (bad arguments: 2, a bad config: 1); while
 * serving, the process exits from the signal handler.
 */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number | null> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`tollgate: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command] = args.positionals;
  if (args.values.help || command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'serve') {
    io.stderr.write(`tollgate: ${command === undefined ? 'no command' : `unknown command '${command}'`}\n\n${USAGE}\n`);
    return 2;
  }
  const format = args.values.log ?? 'json';
  if (format !== 'json' && format !== 'pretty') {
    io.stderr.write(`tollgate: --log must be json or pretty, not '${format}'\n`);
    return 2;
  }
  const port = args.values.port === undefined ? undefined : Number(args.values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    io.stderr.write(`tollgate: --port must be a port number (0 to 65535), not '${args.values.port}'\n`);
    return 2;
  }
  const log = serverLog(format);
  let running: Awaited<ReturnType<typeof startServer>>;
  let path = args.values.config ?? '(default)';
  try {
    const loaded = await loadConfig(args.values.config, io.cwd);
    path = loaded.path;
    running = await startServer(loaded.config, { ...(port !== undefined ? { port } : {}), ...(args.values.host ? { host: args.values.host } : {}) }, log);
  } catch (error) {
    if (error instanceof ConfigLoadError) io.stderr.write(`tollgate: ${error.message}\n`);
    // Every problem with its path, as ConfigError's message lists them.
    else if (ConfigError.isInstance(error)) io.stderr.write(`tollgate: ${path}: ${error.message}\n`);
    else io.stderr.write(`tollgate: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.error('second signal: exiting at once', { signal });
      process.exit(1);
    }
    running.close(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return null;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      log: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
