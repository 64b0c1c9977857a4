// The whole test suite, tier by tier: `npm test [tier ...]`.
//
// Tiers (DESIGN.md): check (tsc + eslint), unit, sim, integration, system, e2e. With no argument
// every tier runs. Each tier first makes sure the Debian packages it needs are installed
// (idempotently), so a fresh Debian machine with only Node and npm passes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

type Tier = {
  name: string;
  /** Folders searched for `*.test.ts` files. */
  roots: string[];
  /** Debian packages the tier needs; installed by scripts/system-deps.sh when missing. */
  debianPackages: string[];
  /** Files may run in parallel (false for tiers that share machine-wide state). */
  parallel: boolean;
};

const TIERS: Tier[] = [
  { name: 'unit', roots: ['src', 'test/unit', 'test/helpers'], debianPackages: [], parallel: true },
  { name: 'sim', roots: ['test/sim'], debianPackages: [], parallel: true },
  { name: 'integration', roots: ['test/integration'], debianPackages: ['bzip2', 'xz-utils', 'zip'], parallel: true },
  { name: 'system', roots: ['test/system'], debianPackages: ['runc', 'tini', 'busybox-static', 'docker-registry', 'apache2-utils', 'docker.io', 'attr'], parallel: false },
  { name: 'e2e', roots: ['test/e2e'], debianPackages: [], parallel: false },
];

function findTests(dir: string, tierRoots: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d)) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const p = join(d, entry);
      if (statSync(p).isDirectory()) {
        // `src` holds unit tests only; other tiers live under test/<tier>.
        walk(p);
      } else if (entry.endsWith('.test.ts')) {
        out.push(relative(ROOT, p));
      }
    }
  };
  walk(join(ROOT, dir));
  // A file under test/<other tier> never belongs to this tier.
  return out.filter((f) => tierRoots.some((r) => f.startsWith(r + '/')));
}

function run(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

const requested = process.argv.slice(2);
const known = ['check', ...TIERS.map((t) => t.name)];
for (const r of requested) {
  if (!known.includes(r)) {
    console.error(`unknown tier '${r}'; known tiers: ${known.join(', ')}`);
    process.exit(2);
  }
}
const wanted = (name: string): boolean => requested.length === 0 || requested.includes(name);

let failed = false;
const totals = { passed: 0, failed: 0, skipped: 0 };
const tapDir = mkdtempSync(join(tmpdir(), 'agora-test-'));

/** Adds the counts from a TAP summary (`# pass N`, `# fail N`, ...) to the totals. */
function count(tapFile: string): void {
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  const n = (key: string): number => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  totals.passed += n('pass');
  totals.failed += n('fail') + n('cancelled');
  totals.skipped += n('skipped') + n('todo');
}
if (wanted('check')) {
  console.log('== check: tsc --noEmit && eslint');
  if (run('npx', ['tsc', '--noEmit', '-p', '.']) !== 0) failed = true;
  if (run('npx', ['eslint', '.']) !== 0) failed = true;
}

for (const tier of TIERS) {
  if (!wanted(tier.name)) continue;
  const files = tier.roots.flatMap((r) => findTests(r, tier.roots)).sort();
  if (files.length === 0) {
    console.log(`== ${tier.name}: no tests yet`);
    continue;
  }
  if (tier.debianPackages.length > 0) {
    if (run('bash', [join(ROOT, 'scripts/system-deps.sh'), ...tier.debianPackages]) !== 0) {
      console.error(`== ${tier.name}: could not install ${tier.debianPackages.join(' ')}`);
      failed = true;
      continue;
    }
  }
  console.log(`== ${tier.name}: ${files.length} files`);
  const tapFile = join(tapDir, `${tier.name}.tap`);
  const args = [
    '--test',
    `--test-concurrency=${tier.parallel ? 2 : 1}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ];
  if (run(process.execPath, args) !== 0) failed = true;
  count(tapFile);
}
rmSync(tapDir, { recursive: true, force: true });

// One closing line for the whole run, whatever tiers ran.
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${failed ? ' (run FAILED)' : ''}`);
process.exit(failed ? 1 : 0);
