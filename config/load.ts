// Reads a config file (YAML or JSON), validates it, and turns every problem into one line that
// names the file, the path inside it, the line, and what was expected.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { MAX_CONFIG_BYTES } from './limits.js';
import { configSchema, type TributaryConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** `pipelines[2].key[0]` from ['pipelines', 2, 'key', 0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(top level)';
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const part of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[part] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
  }
  // A bad map key (a source name): say what the key itself lacks.
  const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  const message = (inner ?? issue.message).replace(/^Invalid input: /, '');
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && valueAt(value, issue.path) === undefined) return `missing: ${message}`;
  return message;
}

/** Where to point the reader: the first unknown key itself, else the node at the path. */
function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  return issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
}

/** Validates an already parsed value; `lineOf` maps a path to a line number when the text is known. */
export function validateConfig(file: string, value: unknown, lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined): TributaryConfig {
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const line = lineOf(issuePath(issue));
    return `${formatPath(issue.path)}${line ? ` (line ${line})` : ''}: ${describeIssue(issue, value)}`;
  });
  throw new ConfigError(file, problems);
}

/** Parses config text; paths inside the config (stage folder, secrets file, TLS files) are made relative to `baseDir`. */
export function parseConfig(file: string, text: string, baseDir = dirname(resolve(file))): TributaryConfig {
  tooLarge(file, Buffer.byteLength(text, 'utf8'));
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `(line ${lineCounter.linePos(e.pos[0]).line}): not valid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const cfg = validateConfig(file, doc.toJS(), lineOf);
  const within = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (cfg.stage.type === 'file') cfg.stage.path = within(cfg.stage.path);
  if (cfg.secrets.provider === 'file') cfg.secrets.path = within(cfg.secrets.path);
  resolveTlsFiles(cfg, within);
  return cfg;
}

const TLS_FILE_KEYS = ['caFile', 'certFile', 'keyFile'];

/** Every `tls` block's PEM files (sources, warehouse, Temporal), relative to the config file. */
function resolveTlsFiles(node: unknown, within: (p: string) => string): void {
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (TLS_FILE_KEYS.includes(k) && typeof v === 'string') (node as Record<string, unknown>)[k] = within(v);
    else resolveTlsFiles(v, within);
  }
}

export function loadConfig(file: string): TributaryConfig {
  let text: string;
  try {
    // Refused by its size before a byte is read: a huge file must not take the process down.
    tooLarge(file, statSync(file).size);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfig(file, text);
}

function tooLarge(file: string, bytes: number): void {
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [`(top level): expected a config file of at most ${MAX_CONFIG_BYTES / 1024 / 1024} MB, but it has ${(bytes / 1024 / 1024).toFixed(1)} MB (refused before parsing)`]);
  }
}

/** The config file used when none is given: $TRIBUTARY_CONFIG, else the local example. */
export function defaultConfigPath(): string {
  return process.env.TRIBUTARY_CONFIG ?? resolve(dirname(new URL(import.meta.url).pathname), 'examples/local.yaml');
}
