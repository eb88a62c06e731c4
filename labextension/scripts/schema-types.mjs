#!/usr/bin/env node
/**
 * TypeScript types for the lab, generated from the package's JSON Schemas: every
 * `notebook_ops/**\/*.schema.json` becomes `labextension/src/schemas/<name>.ts`. A definition
 * that more than one schema holds (a `$defs` entry, or a whole schema another one embeds, e.g.
 * StepRecord, RunListing) is generated once into `schemas/shared.ts`, which the others import.
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

/** The schema without the keys that only place it (so an embedded copy compares equal). */
function body(schema) {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !['$defs', '$id', '$schema'].includes(key)));
}

const files = schemas(join(root, 'notebook_ops')).map(file => ({
  file,
  name: typeName(file),
  schema: JSON.parse(readFileSync(file, 'utf-8'))
}));

// name -> [canonical JSON, definition] per schema that holds it (its $defs or itself)
const seen = new Map();
const hold = (name, definition) => {
  seen.set(name, [...(seen.get(name) ?? []), [JSON.stringify(definition), definition]]);
};
for (const { name, schema } of files) {
  hold(name, body(schema));
  for (const [def, definition] of Object.entries(schema.$defs ?? {})) {
    hold(def, definition);
  }
}
// shared: held by two or more schemas, all alike (ones that differ stay in their files)
const shared = new Map(
  [...seen]
    .filter(([, copies]) => copies.length > 1 && copies.every(([key]) => key === copies[0][0]))
    .map(([name, copies]) => [name, copies[0][1]])
);

/** A copy of `node` whose references to shared definitions name their type instead. */
function linked(node, used) {
  if (Array.isArray(node)) {
    return node.map(n => linked(n, used));
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const ref = typeof node.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(node.$ref) : null;
  if (ref && shared.has(ref[1])) {
    used.add(ref[1]);
    return { ...Object.fromEntries(Object.entries(node).filter(([key]) => key !== '$ref')), tsType: ref[1] };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, linked(v, used)]));
}

const SHARED = 'shared';
const banner = source => `/* Generated from ${source} by labextension/scripts/schema-types.mjs: do not edit. */`;
const options = (source, cwd) => ({
  bannerComment: banner(source),
  cwd,
  style: prettier,
  additionalProperties: true // JSON Schema's default: an object without the keyword takes any key
});
const importLine = used => (used.size ? `import type { ${[...used].sort().join(', ')} } from './${SHARED}';\n\n` : '');

const outputs = []; // [target, text]
{
  // the shared definitions, generated together so their property types are declared once
  const container = {
    title: 'SharedDefinitions',
    type: 'object',
    additionalProperties: false,
    $defs: Object.fromEntries([...shared].map(([name, def]) => [name, { ...def, title: def.title ?? name }]))
  };
  const text = await compile(container, 'SharedDefinitions', {
    ...options('the definitions several schemas share', root),
    unreachableDefinitions: true
  });
  // the container itself is no type anyone uses, nor are the generator's notes about it
  const note =
    /(\/\*\*\n)?( \*\n)? \* This interface was referenced by `SharedDefinitions`'s JSON-Schema\n \* via the `definition` "\w+"\.\n(?=( \*\/\n)?)/g;
  const cleaned = text
    .replace(/export interface SharedDefinitions \{\}\n/, '')
    .replace(note, (_, open) => (open ? '\0' : ''))
    .replace(/\0 \*\/\n/g, '');
  outputs.push([join(out, `${SHARED}.ts`), cleaned]);
}
for (const { file, name, schema } of files) {
  const source = relative(root, file);
  const target = join(out, `${basename(file, '.schema.json').replace(/[^A-Za-z0-9]+/g, '_')}.ts`);
  if (shared.has(name)) {
    outputs.push([target, `${banner(source)}\n\nexport type { ${name} } from './${SHARED}';\n`]);
    continue;
  }
  const used = new Set();
  const $defs = Object.entries(schema.$defs ?? {}).filter(([def]) => !shared.has(def));
  const own = linked({ ...schema, ...(schema.$defs ? { $defs: Object.fromEntries($defs) } : {}) }, used);
  // the file name names the type; the schema's title stays as its comment
  const described = { ...own, title: name, description: schema.description ?? schema.title };
  const text = await compile(described, name, options(source, dirname(file)));
  const split = text.indexOf('\n') + 1;
  outputs.push([target, text.slice(0, split) + '\n' + importLine(used) + text.slice(split).replace(/^\n/, '')]);
}

const stale = [];
for (const [target, text] of outputs) {
  if (check) {
    if (current(target) !== text) {
      stale.push(relative(root, target));
    }
  } else {
    mkdirSync(out, { recursive: true });
    writeFileSync(target, text);
    console.log(relative(root, target));
  }
}
if (stale.length) {
  console.error(`stale generated types: ${stale.join(', ')}; run: jlpm schema-types`);
  process.exit(1);
}
