// Where `npm run build` puts the shim (absent when the machine has no C compiler).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIM_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shim/mydocker-shim');
