#!/usr/bin/env node
/**
 * TypeScript types for the lab, generated from the package's JSON Schemas: every
 * `notebook_ops/**\/*.schema.json` becomes `labextension/src/schemas/<name>.ts`.
 *
 *   node labextension/scripts/schema-types.mjs          write the files (the build runs this)
 *   node labextension/scripts/schema-types.mjs --check  fail when a file is missing or stale
 *
 * The check compares with the file on disk; in CI (CI set) with the committed file, since the
 * build has regenerated the one on disk by then.
 *
 * The schemas are the contract (the Python side validates against them); the lab's types follow.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'labextension', 'src', 'schemas');
const prettier = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf-8'));

function schemas(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'labextension' && entry.name !== '__pycache__') {
        found.push(...schemas(path));
      }
    } else if (entry.name.endsWith('.schema.json')) {
      found.push(path);
    }
  }
  return found.sort();
}

/** "pipeline-manifest.schema.json" -> "PipelineManifest". */
function typeName(file) {
  return basename(file, '.schema.json')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(w => w[0].toUpperCase() + w.slice(1))
    .join('');
}

const check = process.argv.includes('--check');

/** The generated file as committed (CI) or as on disk; null when there is none. */
function current(target) {
  const rel = relative(root, target);
  if (process.env.CI) {
    try {
      return execFileSync('git', ['show', `HEAD:${rel}`], { cwd: root, encoding: 'utf-8', stdio: 'pipe' });
    } catch {
      return null;
    }
  }
  return existsSync(target) ? readFileSync(target, 'utf-8') : null;
}
const stale = [];
for (const file of schemas(join(root, 'notebook_ops'))) {
  const schema = JSON.parse(readFileSync(file, 'utf-8'));
  const name = typeName(file);
  const source = relative(root, file);
  // the file name names the type; the schema's title stays as its comment
  const described = { ...schema, title: name, description: schema.description ?? schema.title };
  const body = await compile(described, name, {
    bannerComment: `/* Generated from ${source} by labextension/scripts/schema-types.mjs: do not edit. */`,
    cwd: dirname(file),
    style: prettier,
    additionalProperties: true // JSON Schema's default: an object without the keyword takes any key
  });
  const target = join(out, `${basename(file, '.schema.json').replace(/[^A-Za-z0-9]+/g, '_')}.ts`);
  if (check) {
    if (current(target) !== body) {
      stale.push(relative(root, target));
    }
  } else {
    mkdirSync(out, { recursive: true });
    writeFileSync(target, body);
    console.log(`${source} -> ${relative(root, target)}`);
  }
}
if (stale.length) {
  console.error(`stale generated types: ${stale.join(', ')}; run: jlpm schema-types`);
  process.exit(1);
}
