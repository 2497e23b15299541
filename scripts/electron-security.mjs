#!/usr/bin/env node
// `npm run security`: Electron security scan with @doyensec/electronegativity over the Electron sources
// (electron/) and the renderer's HTML. Prints every finding; exits 1 when any is HIGH severity or when a
// file could not be parsed (an unparsed file is an unchecked file). Lower-severity findings are
// reviewed in electron/README.md (Security scan).
// The scanner is used as a library: its CSV writer races its own header against its rows and
// sometimes produces a corrupt file, which would let a HIGH finding slip through.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const run = require('@doyensec/electronegativity');
// Without it the scanner assumes Electron 0.1.0 and reports defaults that changed years ago.
const electronVersion = require('electron/package.json').version;
// Arguments replace the default inputs (e.g. `npm run security -- dist/electron` to scan the bundles).
// Each input is scanned on its own, and app-wide checks (navigation limits, permission handler) look
// only inside it; so the renderer's HTML gets the CSP check only, the app's code lives in electron/.
const given = process.argv.slice(2);
const scans = (
  given.length > 0
    ? given.map((input) => ({ input, checks: [] }))
    : [
        { input: 'electron', checks: [] },
        { input: 'renderer/index.html', checks: ['cspglobalcheck'] },
      ]
)
  .map((scan) => ({ ...scan, input: resolve(root, scan.input) }))
  .filter((scan) => existsSync(scan.input));
const inputs = scans.map((scan) => scan.input);

const findings = [];
const failures = [];
for (const { input, checks } of scans) {
  const result = await run({
    input,
    isRelative: false,
    electronVersionOverride: electronVersion,
    customScan: checks,
  });
  for (const error of result.errors ?? []) failures.push(`${error.file ?? input}: ${error.message ?? error}`);
  for (const issue of result.issues) {
    const where = issue.file === 'N/A' ? '(whole app)' : issue.file.replace(`${root}/`, '');
    findings.push({
      check: issue.id,
      severity: issue.severity.name,
      where: issue.location ? `${where}:${issue.location.line}:${issue.location.column}` : where,
      description: issue.description,
    });
  }
}

const order = { HIGH: 0, MEDIUM: 1, LOW: 2, INFORMATIONAL: 3 };
findings.sort(
  (a, b) => (order[a.severity] ?? 9) - (order[b.severity] ?? 9) || a.where.localeCompare(b.where),
);
for (const f of findings)
  console.log(`${f.severity.padEnd(13)} ${f.check.padEnd(34)} ${f.where}  ${f.description}`);
for (const f of failures) console.error(`UNPARSED      ${f}`);
const high = findings.filter((f) => f.severity === 'HIGH');
console.log(
  `security: Electron ${electronVersion}, scanned ${inputs.map((p) => p.replace(`${root}/`, '')).join(', ')}: ` +
    `${findings.length} finding(s), ${high.length} HIGH, ${failures.length} unparsed file(s)`,
);
process.exit(high.length > 0 || failures.length > 0 || inputs.length === 0 ? 1 : 0);
