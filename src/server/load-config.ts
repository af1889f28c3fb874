import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TollgateConfig } from './server-config.js';

/** The names `tollgate serve` looks for in the working directory, in this order, without `--config`. */
export const CONFIG_NAMES = ['tollgate.config.ts', 'tollgate.config.mts', 'tollgate.config.js', 'tollgate.config.mjs'] as const;

/** Why a config could not be loaded: printed as is, exit code 1. */
export class ConfigLoadError extends Error {}

/**
 * The config file's default export, and where it was found. A TypeScript file is loaded by
 * Node's own type stripping (no build step, no loader of ours), so it must use erasable syntax
 * only (`import type`, no enums), as Node documents.
 */
export async function loadConfig(file: string | undefined, cwd: string): Promise<{ path: string; config: TollgateConfig }> {
  const path = file !== undefined ? resolve(cwd, file) : CONFIG_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate));
  if (path === undefined) throw new ConfigLoadError(`no config file: give --config FILE, or put one of ${CONFIG_NAMES.join(', ')} in ${cwd}`);
  if (!existsSync(path)) throw new ConfigLoadError(`config file not found: ${path}`);
  if (/\.[cm]?ts$/.test(path) && !(process.features as { typescript?: unknown }).typescript) {
    throw new ConfigLoadError(`${path} is TypeScript, which this Node (${process.version}) does not load by itself: use Node >= 22.18, or a .mjs config`);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A .ts or .js file is loaded as its package.json's "type" says: CommonJS, for `npm init`'s.
    if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(message)) {
      throw new ConfigLoadError(`${path} uses import/export, but its package is CommonJS ("type": "commonjs" or none in package.json): name it tollgate.config.mts (or .mjs), or set "type": "module"`);
    }
    throw new ConfigLoadError(`${path} failed to load: ${message}`);
  }
  const config = module.default;
  if (typeof config !== 'object' || config === null) throw new ConfigLoadError(`${path} must export its config as default: export default defineConfig({ ... })`);
  return { path, config: config as TollgateConfig };
}
