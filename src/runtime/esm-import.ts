// import() of an ES module outside the CLI's bundle: a user's plugin, tsx's loader. The bundled CLI
// runs as a vm.Script (src/cli/main.cts), where import() has no module loader to turn to; the
// launcher hands over its own import() under this key. Unbundled (a script importing mydocker, the
// tests), the plain import() below is the one used.
const ESM_IMPORT = Symbol.for('mydocker.import');

export function importEsm<T = unknown>(specifier: string): Promise<T> {
  const own = (globalThis as Record<symbol, ((s: string) => Promise<unknown>) | undefined>)[ESM_IMPORT];
  return (own ? own(specifier) : import(specifier)) as Promise<T>;
}
