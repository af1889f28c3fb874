// Checks README.md and docs/*.md (`npm run docs:check`): every TypeScript sample compiles as it
// would in a user's project, so that a renamed option or a changed signature breaks CI instead of
// the docs, and every relative link leads to a page and heading that exist.
//
// The samples make a project of their own under .doc-samples/, set up as a new user's ESM
// TypeScript project is (`"type": "module"`, `module: nodenext`, `strict`), in which `tollgate`
// is the built package (dist/, through its `exports` map and its .d.ts files, as npm would install
// it; built first when dist/ is older than src/) and every other package is the repository's
// (`ioredis`, `openai`, `ai`...). Each ```ts block becomes a module of its own. A sample may use
// the names declared in docs/samples.d.ts (a `gateway`, a `messages` array...) without building
// them; a sample that declares its own shadows them. A block fenced as ```ts no-check is skipped,
// and the report counts it: there must be a reason in the text beside it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(root, '.doc-samples');
const pages = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir);

const samples = [];
let skipped = 0;
for (const page of pages) {
  const lines = fs.readFileSync(path.join(root, page), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript|js|javascript)(\s+no-check)?\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    if (end === lines.length) throw new Error(`${page}:${i + 1}: code block never closed`);
    if (open[2]) skipped++;
    else {
      const file = `${page.replace(/[/.]/g, '_')}_L${start}.ts`;
      // `export {}` makes every sample a module, so that its names never clash with another's.
      const code = `${lines.slice(start, end).join('\n')}\nexport {};\n`;
      fs.writeFileSync(path.join(outDir, file), code);
      samples.push({ page, line: start, file });
    }
    i = end;
  }
}

// Built first when the build is missing or older than the sources: the samples compile against it.
const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true, recursive: true }).reduce((max, e) => (e.isFile() ? Math.max(max, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs) : max), 0);
const built = path.join(root, 'dist/index.d.ts');
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest(path.join(root, 'src'))) {
  console.log('docs: building the package first (dist/ is older than src/)');
  execFileSync(process.execPath, [path.join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

// A user's project: `tollgate` installed (a link to this package, resolved through its exports),
// the other packages found in the repository's node_modules above it.
fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify({ name: 'doc-samples', private: true, type: 'module' }, null, 2));
fs.mkdirSync(path.join(outDir, 'node_modules'));
fs.symlinkSync('../..', path.join(outDir, 'node_modules/tollgate'), 'dir');
fs.copyFileSync(path.join(root, 'docs/samples.d.ts'), path.join(outDir, 'samples.d.ts'));
const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['./*.ts'],
};
fs.writeFileSync(path.join(outDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

let output = '';
try {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(outDir, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (error) {
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
}

// Errors point back at the page and line of the sample.
const byFile = new Map(samples.map((s) => [s.file, s]));
const errors = output
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const m = /^\.doc-samples\/([^()]+)\((\d+),(\d+)\): (.*)$/.exec(line);
    const sample = m && byFile.get(m[1]);
    return sample ? `${sample.page}:${sample.line + Number(m[2]) - 1}:${m[3]} ${m[4]}` : line;
  });

// Relative links: the file exists, and so does the heading of a #fragment (GitHub's slugs).
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const anchorsOf = new Map();
const anchors = (page) => {
  if (!anchorsOf.has(page)) {
    const text = fs.readFileSync(path.join(root, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    anchorsOf.set(page, new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]))));
  }
  return anchorsOf.get(page);
};
for (const page of pages) {
  const lines = fs.readFileSync(path.join(root, page), 'utf8').split('\n');
  let fenced = false;
  lines.forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) return;
    for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file, fragment] = target.split('#');
      const linked = file ? path.relative(root, path.resolve(path.dirname(path.join(root, page)), file)) : page;
      if (!fs.existsSync(path.join(root, linked))) errors.push(`${page}:${i + 1} link to a missing file: ${target}`);
      else if (fragment && linked.endsWith('.md') && !anchors(linked).has(fragment)) errors.push(`${page}:${i + 1} link to a missing heading: ${target}`);
    }
  });
}

// Benchmark figures: the blocks rendered from bench/results.json, so that a page never states
// figures the latest run does not hold (see bench/report.mjs).
const { staleBlocks } = await import('../bench/report.mjs');
for (const stale of staleBlocks()) errors.push(`${stale.page}: benchmark figures differ from bench/results.json (${stale.line}); run \`node bench/report.mjs --write\``);

if (errors.length > 0) {
  console.error(errors.join('\n'));
  console.error(`\n${errors.length} error(s) in the samples and links of ${pages.length} pages`);
  process.exit(1);
}
console.log(`docs: ${samples.length} samples in ${pages.length} pages type-check${skipped ? `; ${skipped} marked no-check` : ''}; every relative link resolves; benchmark figures match bench/results.json`);
