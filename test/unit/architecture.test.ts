// The folders are the architecture (DESIGN.md, house-style B1): this test reads every import in
// src/ and fails when a module imports what the design forbids, when modules form a cycle, or
// when decision logic reaches for I/O, timers, the wall clock or unseeded randomness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/**
 * Which src/ modules each module may import. `main.ts` at the top of src/ is the wiring entry
 * point (it dispatches `agora master|agent|dev|...`) and may import anything. Master and agent
 * never import each other; nothing imports cli; decision modules import only protocol and common.
 */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  common: ['protocol'],
  allocator: ['protocol', 'common'],
  master: ['protocol', 'common', 'allocator'],
  agent: ['protocol', 'common', 'containerizer', 'provisioner', 'fetcher'],
  containerizer: ['protocol', 'common', 'provisioner', 'fetcher'],
  provisioner: ['protocol', 'common'],
  fetcher: ['protocol', 'common'],
  executor: ['protocol', 'common'],
  scheduler: ['protocol', 'common'],
  services: ['protocol', 'common', 'scheduler', 'client'],
  packages: ['protocol', 'common', 'client'],
  client: ['protocol', 'common'],
  dev: ['protocol', 'common', 'client'],
  sim: ['protocol', 'common', 'client', 'scheduler'],
  cli: ['protocol', 'common', 'client', 'scheduler'],
};

/** Modules that hold pure decision logic: state and time in, decisions out. */
const PURE_MODULES = ['allocator'];
/** Individual pure files inside otherwise impure modules: the decision logic of each shell. */
const PURE_FILES: string[] = [
  'common/backoff.ts',
  'common/check-validation.ts',
  'master/tasks.ts',
  'master/validation/framework.ts',
  'master/validation/offers.ts',
  'master/validation/task.ts',
  'master/http/files/sandbox-owner.ts',
  'agent/attributes.ts',
  'agent/executor-termination.ts',
  'agent/gc-policy.ts',
  'agent/sandbox-path.ts',
  'executor/command/task-machine.ts',
  'executor/command/kill-plan.ts',
  'executor/command/check-logic.ts',
  'executor/default/group-machine.ts',
  'fetcher/archive.ts',
  'fetcher/cache-index.ts',
  'fetcher/entry-check.ts',
  'fetcher/uri.ts',
];

const IO_BUILTINS = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|child_process|cluster|worker_threads|timers|timers\/promises|dns|tls|readline|process|os)$/;
const IMPURE_CALLS: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'timers'],
  [/\bprocess\.(env|hrtime|argv|exit)\b/, 'process globals'],
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (entry.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm;

function importsOf(source: string): string[] {
  // Drop comments so examples in prose are not taken for imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specs: string[] = [];
  for (const m of code.matchAll(IMPORT_RE)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function moduleOf(file: string): string | undefined {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : undefined; // top-level files (src/main.ts) are wiring
}

type Edge = { from: string; to: string; file: string; spec: string };

function collect(): { edges: Edge[]; files: string[] } {
  const files = sourceFiles(SRC);
  const edges: Edge[] = [];
  for (const file of files) {
    const from = moduleOf(file);
    if (!from) continue;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = moduleOf(resolve(dirname(file), spec));
      if (to && to !== from) edges.push({ from, to, file: relative(ROOT, file), spec });
    }
  }
  return { edges, files };
}

test('the import parser sees every import form', () => {
  const src = `import a from './a.ts';\nimport type { B } from "../b/index.ts";\nexport { c } from './c.ts';\nimport './side.ts';\nconst d = await import('./d.ts');\n// import x from './commented.ts';`;
  assert.deepEqual(importsOf(src), ['./a.ts', '../b/index.ts', './c.ts', './side.ts', './d.ts']);
});

test('every module under src/ is known to the dependency table', () => {
  const modules = readdirSync(SRC).filter((e) => statSync(join(SRC, e)).isDirectory());
  const unknown = modules.filter((m) => !(m in ALLOWED));
  assert.deepEqual(unknown, [], `add these folders to ALLOWED in test/unit/architecture.test.ts: ${unknown.join(', ')}`);
});

test('modules import only what DESIGN.md allows', () => {
  const violations = collect()
    .edges.filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to))
    .map((e) => `${e.file}: ${e.from} must not import ${e.to} ('${e.spec}')`);
  assert.deepEqual(violations, []);
});

test('no cycles between modules', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of collect().edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from)!.add(e.to);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});

test('decision logic does no I/O and reads no clock or randomness', () => {
  const violations: string[] = [];
  for (const f of PURE_FILES) if (!existsSync(join(SRC, f))) violations.push(`${f}: listed as pure but missing (moved or renamed?)`);
  for (const file of collect().files) {
    const rel = relative(SRC, file);
    const mod = moduleOf(file);
    const pure = (mod !== undefined && PURE_MODULES.includes(mod)) || PURE_FILES.includes(rel);
    if (!pure || rel.endsWith('.test.ts') || rel.split(sep).includes('testing')) continue;
    const source = readFileSync(file, 'utf8');
    for (const spec of importsOf(source)) {
      if (IO_BUILTINS.test(spec)) violations.push(`${rel}: imports '${spec}'`);
    }
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    for (const [re, what] of IMPURE_CALLS) if (re.test(code)) violations.push(`${rel}: uses ${what}`);
  }
  assert.deepEqual(violations, []);
});
