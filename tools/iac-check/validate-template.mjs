#!/usr/bin/env node
// Validates a CloudFormation / SAM template with AWS's validator (@aws/cloudformation-validate: the cfn-lint rules,
// the resource provider schemas and the SAM transform, compiled to WebAssembly; works offline).
//
// Usage: node validate-template.mjs [--severity DEBUG|INFO|WARN|ERROR|FATAL] <template.yaml>
//
// stdout: one JSON object per line, one per diagnostic at or above --severity (default WARN), in the validator's
//         StandardDiagnostic shape plus "documentationUrl" / "ruleDescription" when known.
// stderr: a one-line JSON summary (status, counts, validator version).
// exit:   0 no ERROR or FATAL diagnostic; 1 at least one; 2 bad usage, unreadable file, or the validator failed.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SEVERITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function usage(message) {
  process.stderr.write(`${message}\nusage: node validate-template.mjs [--severity ${SEVERITIES.join('|')}] <template>\n`);
  process.exit(2);
}

let severity = 'WARN';
const files = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--severity') {
    severity = (args[++i] ?? '').toUpperCase();
    if (!SEVERITIES.includes(severity)) usage(`unknown severity: ${args[i]}`);
  } else if (args[i].startsWith('--')) {
    usage(`unknown option: ${args[i]}`);
  } else {
    files.push(args[i]);
  }
}
if (files.length !== 1) usage('expected exactly one template');
const templatePath = files[0];
if (!existsSync(templatePath)) usage(`no such file: ${templatePath}`);

let validator;
try {
  validator = require('@aws/cloudformation-validate');
} catch (e) {
  process.stderr.write(`cannot load @aws/cloudformation-validate (${e.message}); run \`npm ci\` in tools/iac-check\n`);
  process.exit(2);
}

const { RegoEngine, TemplateFile, version } = validator;
const engine = new RegoEngine();
let report;
try {
  // Detailed: the same diagnostics as validateStandard, plus documentation URL and rule description.
  report = engine.validateDetailed(new TemplateFile(templatePath), { severityLevel: severity });
} catch (e) {
  process.stderr.write(`${JSON.stringify({ file: templatePath, status: 'ERROR', error: String(e?.message ?? e) })}\n`);
  process.exit(2);
} finally {
  engine.free();
}

let errors = 0;
for (const d of report.diagnostics) {
  if (d.severity === 'ERROR' || d.severity === 'FATAL') errors++;
  const { context, phase, ...rest } = d; // context repeats the message in machine form; keep lines short
  process.stdout.write(`${JSON.stringify(rest)}\n`);
}

process.stderr.write(
  `${JSON.stringify({
    file: templatePath,
    status: report.status,
    validator: version(),
    cfnLint: report.metadata?.cfnLintVersion,
    counts: report.metadata?.counts,
    severityLevel: severity,
  })}\n`,
);

if (report.status === 'ERROR') process.exit(2);
process.exit(errors > 0 ? 1 : 0);
