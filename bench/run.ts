// `npm run bench -- NAME [--quick] [args...]`: runs bench/NAME.ts and records its rows.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { finish, type Bench } from './lib.ts';

const argv = process.argv.slice(2);
const name = argv.find((a) => !a.startsWith('-'));
const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'lib.ts'].includes(f) && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));
if (!name || argv.includes('--help')) {
  console.log(`usage: npm run bench -- NAME [--quick]\navailable: ${available.join(', ')}`);
  process.exit(name ? 0 : 2);
}
const file = join(import.meta.dirname, `${name}.ts`);
if (!existsSync(file)) {
  console.error(`no benchmark '${name}'; available: ${available.join(', ')}`);
  process.exit(2);
}
const mod = (await import(file)) as Bench;
const rows = await mod.run({ quick: argv.includes('--quick'), args: argv.filter((a) => a !== name) });
finish(name, rows);
