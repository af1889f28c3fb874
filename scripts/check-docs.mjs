// Checks README.md and docs/*.md (`npm run docs:check`): every TypeScript sample type-checks
// against the sources, so that a renamed option or a changed signature breaks CI instead of the
// docs, and every relative link leads to a page and heading that exist.
//
// Each ```ts block becomes a module of its own under .doc-samples/ and is compiled with the
// repository's tsconfig, `tollgate` and its subpaths resolving to src/. A sample may use the
// names declared in docs/samples.d.ts (a `gateway`, a `messages` array...) without building
// them; a sample that declares its own shadows them. A block fenced as ```ts no-check is
// skipped, and the report counts it: there must be a reason in the text beside it.
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

// Samples are written for the current majors of the client libraries; the repository also keeps
// older ones (that run on Node 20) under their own names, and tests both.
const base = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
const currentMajors = {
  ai: ['./node_modules/ai-v7'],
  '@ai-sdk/openai': ['./node_modules/ai-sdk-openai-v4'],
  '@ai-sdk/openai-compatible': ['./node_modules/ai-sdk-openai-compatible-v3'],
  openai: ['./node_modules/openai-v7'],
};
const tsconfig = {
  extends: '../tsconfig.json',
  compilerOptions: {
    noEmit: true,
    // Samples show one thing; an unused import or variable there is not a mistake.
    noUnusedLocals: false,
    noUnusedParameters: false,
    baseUrl: '..',
    paths: { ...base.compilerOptions.paths, ...currentMajors },
  },
  include: ['./*.ts', '../docs/samples.d.ts'],
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
