// The optional per-root config file, <root>/config.json:
//   { "plugins": ["./plugins/audit.ts", "/opt/mydocker/net.js"] }
// Relative plugin paths are resolved against the file's directory. Plugins listed here are loaded
// for every run in that root, before those given with --plugin.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError } from '../errors.js';

export interface ConfigFile {
  plugins: string[];
}

export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { plugins: [] };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MydockerError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MydockerError(`config file ${file} must hold a JSON object, e.g. {"plugins": []}`);
  }
  const plugins = (parsed as { plugins?: unknown }).plugins ?? [];
  if (!Array.isArray(plugins) || !plugins.every((p) => typeof p === 'string')) {
    throw new MydockerError(`config file ${file}: "plugins" must be a list of file paths`);
  }
  return { plugins: plugins.map((p: string) => path.resolve(path.dirname(file), p)) };
}
