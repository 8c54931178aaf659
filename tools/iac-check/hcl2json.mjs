#!/usr/bin/env node
// Parses Terraform files with HashiCorp's HCL parser (@cdktf/hcl2json: the Go hcl library compiled to WebAssembly;
// works offline) and prints their JSON form, for structural checks.
//
// Usage: node hcl2json.mjs <file.tf>...
//
// stdout: a JSON array with one element per file, in argument order:
//           { "file": "<path>", "json": { ...the file as hcl2json renders it... } }
//         or, when the file does not parse:
//           { "file": "<path>", "errors": [ { "line": 4, "column": 1, "summary": "...", "detail": "..." } ],
//             "message": "<the parser's own message>" }
//         Expressions that are not literals come out as strings "${...}" holding their source text.
// exit:   0 every file parsed; 1 at least one did not; 2 bad usage or an unreadable file.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith('--'))) {
  process.stderr.write('usage: node hcl2json.mjs <file.tf>...\n');
  process.exit(2);
}

let hcl;
try {
  hcl = require('@cdktf/hcl2json');
} catch (e) {
  process.stderr.write(`cannot load @cdktf/hcl2json (${e.message}); run \`npm ci\` in tools/iac-check\n`);
  process.exit(2);
}

// The parser reports "parse config: [<file>:<line>,<col>-<end>: <summary>; <detail> <file>:<line>,...]": HCL
// diagnostics joined by spaces, each starting with the file name that was passed in.
function diagnostics(file, message) {
  const inner = message.replace(/^parse config: \[/, '').replace(/\]$/, '');
  const found = [];
  const starts = [];
  for (let at = inner.indexOf(`${file}:`); at >= 0; at = inner.indexOf(`${file}:`, at + 1)) starts.push(at);
  starts.forEach((start, i) => {
    const segment = inner.slice(start + file.length + 1, i + 1 < starts.length ? starts[i + 1] : inner.length).trim();
    const m = /^(\d+),(\d+)(?:-(?:\d+,)?\d+)?: ([^;]*)(?:; ([\s\S]*))?$/.exec(segment);
    if (m) found.push({ line: Number(m[1]), column: Number(m[2]), summary: m[3].trim(), detail: (m[4] ?? '').trim() });
  });
  return found.length > 0 ? found : [{ line: null, column: null, summary: message, detail: '' }];
}

const results = [];
let failed = false;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    process.stderr.write(`cannot read ${file}: ${e.message}\n`);
    process.exit(2);
  }
  try {
    results.push({ file, json: await hcl.parse(file, text) });
  } catch (e) {
    failed = true;
    const message = String(e?.message ?? e);
    results.push({ file, errors: diagnostics(file, message), message });
  }
}

process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(failed ? 1 : 0);
