#!/usr/bin/env node
// Lints the Dockerfile with dockerfile-utils (the VS Code Docker language server's validator) and
// fails on any problem it reports, warnings included (its own CLI exits 0 on warnings).
// Runs in `npm run lint` (as `npm run lint:docker`); exits 1 listing each problem by line.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { validate } from 'dockerfile-utils';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const file = resolve(root, process.argv[2] ?? 'Dockerfile');
const problems = validate(readFileSync(file, 'utf8'));
for (const p of problems) {
  const kind = p.severity === 1 ? 'error' : 'warning';
  console.error(`${file}:${p.range.start.line + 1}:${p.range.start.character + 1} ${kind}: ${p.message}`);
}
if (problems.length > 0) process.exit(1);
console.log(`lint:docker: ${file} has no problems`);
