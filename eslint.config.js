// ESLint (flat config): ESLint's and typescript-eslint's recommended rules over the TypeScript
// sources, the tests and the build and bench scripts. Type-aware rules are left out: they need the
// whole program per file and would make `npm run lint` as slow as a second tsc. What tsc checks
// already (unused names, undefined ones in .ts files) is tsc's. The import rules between src/,
// hooks/ and plugins/ are a unit test (test/unit/boundaries.test.ts), not a lint rule.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's globals, for the plain .js/.mjs scripts (tsc knows them in .ts files).
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance', 'fetch', 'AbortController', 'TextEncoder', 'TextDecoder', 'structuredClone'].map((name) => [name, 'readonly']),
);

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'vagrant/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A variable declared before a t.after() (or finally) that cleans it up, assigned once after.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    // Tests read `ip -j` and other tools' JSON, untyped by nature.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
