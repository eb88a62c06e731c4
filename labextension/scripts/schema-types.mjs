#!/usr/bin/env node
/**
 * The lab's view of the server, generated from the REST API's OpenAPI document
 * (notebook_ops/model/schema/openapi.json, itself generated from the Python contracts and the
 * route table): nothing in labextension/src copies a server shape by hand.
 *
 *   schemas/types.ts        one type per schema of the document (`components.schemas`)
 *   schemas/client.ts       one typed function per route and method: path segments, query,
 *                           body and reply typed; every call goes through ../request.ts
 *   schemas/notebook_ops.ts the notebook's `metadata.notebook_ops` (not a REST body, but the
 *                           lab edits it: notebook_ops/model/schema/notebook_ops.schema.json)
 *
 *   node labextension/scripts/schema-types.mjs          write the files (the build runs this)
 *   node labextension/scripts/schema-types.mjs --check  fail when a file is missing, stale or
 *                                                       not generated here (a leftover)
 *
 * The check compares with the file on disk; in CI (CI set) with the committed file, since the
 * build has regenerated the one on disk by then.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { compile } from 'json-schema-to-typescript';
import { format } from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'labextension', 'src', 'schemas');
const OPENAPI = 'notebook_ops/model/schema/openapi.json';
const SETTINGS = 'notebook_ops/model/schema/notebook_ops.schema.json';
const prettier = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf-8'));
const check = process.argv.includes('--check');
const banner = source => `/* Generated from ${source} by labextension/scripts/schema-types.mjs: do not edit. */`;

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

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'];

// what makes a schema say anything about its value's type
const TYPING = ['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'const', 'properties', 'items', 'not'];

/**
 * A copy of `schema` ready for the type generator: without the titles of its inner schemas
 * (pydantic titles every property, "Run Id", and the generator would declare an alias per
 * title, `RunId = string`; only the schema itself keeps its title, which names the type), and
 * with a schema that allows any value (a Python `Any`) typed `unknown`, not an object.
 */
function untitled(schema, top = true) {
  if (Array.isArray(schema) || !schema || typeof schema !== 'object') {
    return schema;
  }
  const copy = { ...schema };
  if (!top && typeof copy.title === 'string') {
    delete copy.title;
  }
  if (!TYPING.some(key => key in copy)) {
    copy.tsType = 'unknown';
  }
  for (const key of SUBSCHEMA_MAPS) {
    if (copy[key] && typeof copy[key] === 'object') {
      copy[key] = Object.fromEntries(Object.entries(copy[key]).map(([k, v]) => [k, untitled(v, false)]));
    }
  }
  for (const key of SUBSCHEMA_LISTS) {
    if (Array.isArray(copy[key])) {
      copy[key] = copy[key].map(v => untitled(v, false));
    }
  }
  for (const key of SUBSCHEMAS) {
    if (copy[key] && typeof copy[key] === 'object') {
      copy[key] = untitled(copy[key], false);
    }
  }
  return copy;
}

const options = source => ({
  bannerComment: banner(source),
  cwd: root,
  style: prettier,
  additionalProperties: true // JSON Schema's default: an object without the keyword takes any key
});

/** schemas/types.ts: every schema of the document, each declared once under its name. */
async function types(document) {
  const schemas = document.components?.schemas ?? {};
  const text = JSON.stringify(schemas).replaceAll('"#/components/schemas/', '"#/$defs/');
  const defs = Object.fromEntries(
    Object.entries(JSON.parse(text)).map(([name, schema]) => [name, { ...untitled(schema), title: name }])
  );
  const container = { title: 'ApiTypes', type: 'object', additionalProperties: false, $defs: defs };
  const generated = await compile(container, 'ApiTypes', { ...options(OPENAPI), unreachableDefinitions: true });
  // the container is no type anyone uses, nor are the generator's notes about it
  const note =
    /(\/\*\*\n)?( \*\n)? \* This interface was referenced by `ApiTypes`'s JSON-Schema\n \* via the `definition` "\w+"\.\n(?=( \*\/\n)?)/g;
  return generated
    .replace(/export interface ApiTypes \{\}\n/, '')
    .replace(note, (_, open) => (open ? '\0' : ''))
    .replace(/\0 \*\/\n/g, '');
}

/** "get_schedule_runs" -> "getScheduleRuns"; "run_id" -> "runId". */
const camel = name => name.replace(/[_-]+([a-zA-Z0-9])/g, (_, c) => c.toUpperCase());
const quote = name => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`);

/** The TypeScript type of a schema the client names: a component by name, else plain JSON. */
function typeOf(schema, where) {
  const ref = typeof schema?.$ref === 'string' ? /^#\/components\/schemas\/(\w+)$/.exec(schema.$ref) : null;
  if (ref) {
    return ref[1];
  }
  if (schema?.type === 'integer' || schema?.type === 'number') {
    return 'number';
  }
  if (schema?.type === 'boolean') {
    return 'boolean';
  }
  if (schema?.type === 'string') {
    return schema.enum ? schema.enum.map(v => `'${v}'`).join(' | ') : 'string';
  }
  if (schema?.type === 'object' && !schema.properties) {
    return 'Record<string, unknown>';
  }
  throw new Error(`${OPENAPI}: ${where}: an inline schema; give it a contract (notebook_ops/model/contracts/rest.py)`);
}

/** The JSON reply of the operation's first success status. */
function replyOf(op, where) {
  const status = Object.keys(op.responses)
    .filter(s => /^2\d\d$/.test(s))
    .sort()[0];
  const schema = op.responses[status]?.content?.['application/json']?.schema;
  return schema ? typeOf(schema, `${where} reply`) : 'Record<string, unknown>';
}

const doc = (lines, indent = '') =>
  `${indent}/**\n${lines
    .filter(Boolean)
    .map(l => `${indent} * ${l}`)
    .join('\n')}\n${indent} */\n`;

/** One function per operation (and a URL function for a route that also answers a page). */
function operation(path, method, op, used) {
  const where = `${method.toUpperCase()} ${path}`;
  const params = op.parameters ?? [];
  const segments = params.filter(p => p.in === 'path');
  const queries = params.filter(p => p.in === 'query');
  const args = segments.map(p => `${camel(p.name)}: string`);
  const queryType = queries.length
    ? `{ ${queries.map(p => `${quote(p.name)}${p.required ? '' : '?'}: ${typeOf(p.schema, `${where} ?${p.name}`)}`).join('; ')} }`
    : null;
  if (queryType) {
    args.push(`query: ${queryType}${queries.some(p => p.required) ? '' : ' = {}'}`);
  }
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const bodyType = bodySchema ? typeOf(bodySchema, `${where} body`) : null;
  if (bodyType) {
    args.push(`body: ${bodyType}`);
  }
  args.push('settings?: ServerConnection.ISettings');
  const reply = replyOf(op, where);
  for (const name of [reply, bodyType]) {
    if (name && /^\w+$/.test(name)) {
      used.add(name);
    }
  }
  const url =
    path === '/'
      ? 'API_PREFIX'
      : `\`\${API_PREFIX}${path.replace(/\{(\w+)\}/g, (_, n) => `\${encodeURIComponent(${camel(n)})}`)}\``;
  const callOptions = [queryType ? 'query' : '', bodyType ? 'body' : ''].filter(Boolean).join(', ');
  const name = camel(op.operationId);
  const comment = doc([`${where}: ${op.summary}${/[.?!]$/.test(op.summary) ? '' : '.'}`, op.description]);
  let text = `${comment}export function ${name}(${args.join(', ')}): Promise<${reply}> {\n  return call<${reply}>('${method.toUpperCase()}', ${url}, { ${callOptions} }, settings);\n}\n`;
  const media = Object.keys(Object.values(op.responses)[0]?.content ?? {});
  if (method === 'get' && media.some(m => m !== 'application/json')) {
    // a page the browser opens itself (a link, an iframe): its URL, credentials from the cookie
    const urlArgs = args.filter(a => !a.startsWith('settings'));
    text += `\n${doc([`The URL of ${where} (${media.join(', ')}), for the browser to open.`])}export function ${name}Url(${urlArgs.join(', ')}, settings?: ServerConnection.ISettings): string {\n  return apiUrl(${url}, ${queryType ? 'query' : '{}'}, settings);\n}\n`;
  }
  return text;
}

/** schemas/client.ts: every operation of the document. */
async function client(document) {
  const prefix = (document.servers?.[0]?.url ?? '').replace(/^\/+|\/+$/g, '');
  const used = new Set();
  const functions = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      functions.push(operation(path, method, op, used));
    }
  }
  const text = [
    banner(OPENAPI),
    '',
    doc([
      `The REST API of ${document.info.title} (OpenAPI ${document.openapi}, API version ${document.info.version}):`,
      "one function per route and method. `settings` defaults to the page's ServerConnection settings."
    ]).trimEnd(),
    "import { ServerConnection } from '@jupyterlab/services';",
    '',
    "import { apiUrl, call } from '../request';",
    `import type { ${[...used].sort().join(', ')} } from './types';`,
    '',
    "/** Where the API lives under the server's base URL. */",
    `export const API_PREFIX = '${prefix}';`,
    '',
    ...functions
  ].join('\n');
  return format(text, { ...prettier, parser: 'typescript' });
}

/** schemas/notebook_ops.ts: the pipeline settings a notebook's metadata holds. */
async function settings() {
  const schema = JSON.parse(readFileSync(join(root, SETTINGS), 'utf-8'));
  const described = { ...untitled(schema), title: 'NotebookOps', description: schema.description ?? schema.title };
  return compile(described, 'NotebookOps', options(SETTINGS));
}

const document = JSON.parse(readFileSync(join(root, OPENAPI), 'utf-8'));
const outputs = new Map([
  [join(out, 'types.ts'), await types(document)],
  [join(out, 'client.ts'), await client(document)],
  [join(out, 'notebook_ops.ts'), await settings()]
]);

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
// a generated file this script no longer writes is a leftover (removed); this folder holds
// generated files only, so anything else is reported, never removed
for (const entry of existsSync(out) ? readdirSync(out) : []) {
  const target = join(out, entry);
  if (outputs.has(target)) {
    continue;
  }
  const generated = readFileSync(target, 'utf-8').startsWith('/* Generated from ');
  if (check || !generated) {
    stale.push(
      `${relative(root, target)} (${generated ? 'no longer generated: remove it' : 'not generated: move it out'})`
    );
  } else {
    rmSync(target);
    console.log(`removed ${relative(root, target)}`);
  }
}
if (stale.length) {
  console.error(`stale generated types: ${stale.join(', ')}; run: jlpm schema-types`);
  process.exit(1);
}
