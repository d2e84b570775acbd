// One Kafka message -> one row of the target, by the pipeline's column mapping; or the reason it
// cannot be one (it is then dead-lettered). Pure: no I/O, unit-tested.
import { isSafeNumber, LosslessNumber, parse as exactParse } from 'lossless-json';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import { columnText, jsonbProblem, Unfit, type TopicColumnType } from './column-values.js';
import { parsePath, valueAt, type PathStep } from './json-path.js';
import { topicType, type TopicType } from '../../../types/topic-type.js';
import { typedText, type ArrayForm } from './typed-values.js';

export interface CompiledColumn {
  name: string;
  path: string;
  steps: PathStep[];
  /** The converter's family. */
  type: TopicColumnType;
  /** The declared type, modifiers and all. */
  declared: TopicType;
  /** No modifiers and no array: the family's conversion is the whole check. */
  plain: boolean;
  /** Required by the config, or part of the key. */
  required: boolean;
}

export interface TopicMapping {
  columns: CompiledColumn[];
  keepRaw: boolean;
  maxMessageBytes: number;
  arrays: ArrayForm;
}

/** Why a message was dead-lettered; stable codes, kept in the dead-letter table. */
export type DeadLetterReason = 'oversized' | 'empty' | 'not-utf8' | 'not-json' | 'not-object' | 'missing-field' | 'wrong-type';

export type MappedMessage =
  | { ok: true; values: (string | null)[] }
  | { ok: false; reason: DeadLetterReason; field: string | null; detail: string };

/** `arrays`: how the warehouse takes array columns (only the staged text differs). */
export function compileMapping(p: TopicPipelineConfig, arrays: ArrayForm = 'native'): TopicMapping {
  const key = new Set(p.key ?? []);
  return {
    columns: p.columns.map((c) => {
      const declared = topicType(c.type);
      const plain = !declared.array && declared.length === undefined && declared.precision === undefined && declared.fraction === undefined;
      return { name: c.name, path: c.path, steps: parsePath(c.path), type: declared.family, declared, plain, required: c.required || key.has(c.name) };
    }),
    keepRaw: p.options.keepRawAs !== undefined,
    maxMessageBytes: p.options.maxMessageBytes,
    arrays,
  };
}

// Fatal: a value that is not UTF-8 is refused in the same pass that decodes it. A BOM is kept, as
// Buffer#toString keeps it (JSON.parse then refuses it, as it always did).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Sixteen digits in a row, a dot allowed among them: a number a double may not hold exactly. */
const MANY_DIGITS = /\d(?:\.?\d){15}/;

const exactNumber = (text: string): unknown => (isSafeNumber(text) ? Number(text) : new LosslessNumber(text));

const dead = (reason: DeadLetterReason, detail: string, field: string | null = null): MappedMessage => ({ ok: false, reason, field, detail });

/** Values in mapping order, then the raw message when it is kept. */
export function mapMessage(value: Buffer | null, m: TopicMapping): MappedMessage {
  if (value === null || value.length === 0) return dead('empty', 'the message has no value (a tombstone or an empty message)');
  if (value.length > m.maxMessageBytes) return dead('oversized', `the value is ${value.length} bytes, more than maxMessageBytes (${m.maxMessageBytes})`);
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return dead('not-utf8', 'the value is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return dead('not-json', `the value is not JSON: ${(err as Error).message}`);
  }
  // JSON.parse rounds a number to a double: one written with 16 or more digits is read again
  // exactly, each such number kept as its text (the digits may also be inside a string: then
  // this only costs the second parse).
  if (MANY_DIGITS.test(text)) {
    try {
      doc = exactParse(text, null, exactNumber);
    } catch {
      // The exact parser recurses: a message nested deeper than it can go is refused, not retried.
      return dead('wrong-type', `the value is nested too deeply to read its numbers exactly`);
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return dead('not-object', 'the value is JSON but not an object');
  const values: (string | null)[] = [];
  for (const c of m.columns) {
    const v = c.steps.length === 1 ? (Object.hasOwn(doc, c.steps[0]!) ? (doc as Record<string, unknown>)[c.steps[0] as string] : undefined) : valueAt(doc, c.steps);
    if (v === undefined || v === null) {
      if (c.required) return dead('missing-field', `required field "${c.path}" is ${v === null ? 'null' : 'missing'}`, c.name);
      values.push(null);
      continue;
    }
    const cell = c.plain ? columnText(v, c.type) : typedText(v, c.declared, m.arrays);
    if (cell instanceof Unfit) return dead('wrong-type', `field "${c.path}": ${cell.why}`, c.name);
    values.push(cell);
  }
  if (m.keepRaw) {
    const problem = jsonbProblem(doc);
    if (problem) return dead('wrong-type', `the message cannot be kept as jsonb: it ${problem}`);
    values.push(text);
  }
  return { ok: true, values };
}
