// Loads a user's plugin file: .ts/.mts/.cts through tsx (loaded only then, ~140 ms), .js/.mjs/.cjs
// natively. The module's default export is a plugin object, or a function returning one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from '../../hooks/index.js';
import { MydockerError, describe, errnoReason } from '../errors.js';
import { importEsm } from './esm-import.js';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);

export async function loadPluginFile(file: string): Promise<Plugin> {
  const absolute = path.resolve(file);
  const ext = path.extname(absolute);
  if (!fs.existsSync(absolute)) throw new MydockerError(`plugin file ${file} does not exist`);
  if (!TS_EXTENSIONS.has(ext) && !JS_EXTENSIONS.has(ext)) {
    throw new MydockerError(`plugin file ${file} is neither TypeScript nor JavaScript`, { hint: 'use .ts, .mts, .js or .mjs' });
  }
  let mod: { default?: unknown };
  try {
    if (TS_EXTENSIONS.has(ext)) {
      const { tsImport } = await importEsm<typeof import('tsx/esm/api')>('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { default?: unknown };
    } else {
      mod = await importEsm<{ default?: unknown }>(pathToFileURL(absolute).href);
    }
  } catch (error) {
    throw new MydockerError(`cannot load plugin ${file}: ${loadFailure(error)}`, { cause: error });
  }
  let exported = mod.default;
  // tsx may present a CommonJS-style default as { default: ... }.
  if (isObject(exported) && !isPlugin(exported) && 'default' in exported) exported = exported.default;
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  if (!isPlugin(exported)) {
    throw new MydockerError(`plugin ${file} does not export a plugin`, { hint: 'export default { name: "...", apply(api) { ... } }' });
  }
  return exported;
}

/** Why importing a plugin failed, in one line: a compiler's first error, with its place when known. */
function loadFailure(error: unknown): string {
  if (error instanceof SyntaxError) return `syntax error: ${error.message}`;
  const text = describe(error);
  // esbuild, through tsx: "Transform failed with N error(s):\nFILE:LINE:COL: ERROR: TEXT\n...".
  const esbuild = /^Transform failed with (\d+) errors?:\n(.+?): ERROR: (.+)$/m.exec(text);
  if (esbuild) {
    const more = Number(esbuild[1]) - 1;
    return `syntax error at ${esbuild[2]}: ${esbuild[3]}${more > 0 ? ` (and ${more} more)` : ''}`;
  }
  return errnoReason(error);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlugin(value: unknown): value is Plugin {
  return isObject(value) && typeof value.name === 'string' && value.name !== '' && typeof value.apply === 'function';
}
