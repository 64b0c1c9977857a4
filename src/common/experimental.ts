// Node prints an ExperimentalWarning line on stderr the first time a process uses some built-in
// features that Agora relies on deliberately (node:sqlite for the registry, type stripping for
// the executor build). Daemons log JSON lines on stderr, and a stray plain-text line there breaks
// log shippers, so these known warnings are dropped; every other warning still prints.

const ignored = new Set<string>();
let installed = false;

/**
 * Drops ExperimentalWarnings whose text starts with one of `features` (e.g. `SQLite`,
 * `stripTypeScriptTypes`), for the rest of the process. Call it before the feature is first
 * loaded: a static `import 'node:sqlite'` warns while the importing module graph loads.
 */
export function ignoreExperimentalWarnings(features: readonly string[]): void {
  for (const f of features) ignored.add(f);
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = typeof warning === 'string' ? type : warning.name;
    if ((name === 'ExperimentalWarning' || type === 'ExperimentalWarning') && [...ignored].some((f) => text.startsWith(f))) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
