// A JSON value as the text of a column of its declared type, modifiers and arrays included: after
// its family's conversion (column-values.ts) the value must fit the modifiers whole, since the
// warehouse would round a numeric(14,4) or a timestamp(3) to fit and refuse a longer varchar(n)
// (failing the batch): a value that does not fit is reported, never rounded or cut. Pure.
import type { TopicType } from '../../../types/topic-type.js';
import { columnText, Unfit } from './column-values.js';

/** How an array column is staged: PostgreSQL's array literal, or JSON (Redshift's SUPER). */
export type ArrayForm = 'native' | 'json';

/** Characters in a string as PostgreSQL counts them (code points: a surrogate pair is one). */
function characters(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
}

/**
 * Does decimal text ("-12.50", ".5", "7.", "1.5e-7") fit numeric(p,s) exactly: no nonzero digit
 * below 10^-s, none at or above 10^(p-s)?
 */
export function fitsNumeric(text: string, precision: number, scale: number): boolean {
  const m = /^-?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m) return false;
  const [whole, fraction] = [m[1] ?? '', m[2] ?? ''];
  const digits = whole + fraction;
  const first = digits.search(/[1-9]/);
  if (first < 0) return true;
  let last = digits.length - 1;
  while (digits.charCodeAt(last) === 48) last--;
  // The power of ten of the digit at index i is whole.length - 1 - i + exponent.
  const top = whole.length - 1 + Number(m[3] ?? 0);
  return top - last >= -scale && top - first < precision - scale;
}

/** Fractional digits of a second in a time or timestamp's text, trailing zeros left out. */
function fractionDigits(text: string): number {
  const m = /\.(\d+)/.exec(text);
  return m ? m[1]!.replace(/0+$/, '').length : 0;
}

/** Why a converted value does not fit its type's modifiers, or null. */
function modifierProblem(text: string, t: TopicType): string | null {
  if (t.length !== undefined) {
    const what = t.family === 'bit' ? 'bits' : 'characters';
    if (t.exactLength && text.length !== t.length) return `expected exactly ${t.length} ${what} (${t.pg}), got ${text.length}`;
    // A string no longer in UTF-16 units than the limit has no more characters either.
    if (!t.exactLength && text.length > t.length && characters(text) > t.length) return `expected at most ${t.length} ${what} (${t.pg}), got ${characters(text)}`;
  }
  if (t.precision !== undefined && !fitsNumeric(text, t.precision, t.scale ?? 0)) {
    return `expected a number that ${t.pg} holds exactly (at most ${t.precision - (t.scale ?? 0)} digits before the point and ${t.scale ?? 0} after), got ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
  }
  if (t.fraction !== undefined && fractionDigits(text) > t.fraction) return `expected at most ${t.fraction} fractional digits of a second (${t.pg}), got ${JSON.stringify(text)}`;
  return null;
}

/** One element's (or a scalar's) text, or why it does not fit. */
function scalarText(v: unknown, t: TopicType): string | Unfit {
  const text = columnText(v, t.family);
  if (text instanceof Unfit) return text;
  const problem = modifierProblem(text, t);
  return problem ? new Unfit(problem) : text;
}

const NUMBERS = new Set(['smallint', 'integer', 'bigint', 'numeric', 'double']);

/** Decimal text as a JSON number: JSON takes no ".5", "7." or leading zeros. */
function jsonNumber(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(.*)$/.exec(text)!;
  const whole = m[2]!.replace(/^0+(?=\d)/, '') || '0';
  const fraction = m[3] ? `.${m[3]}` : '';
  return `${m[1]}${whole}${fraction}${m[4]}`;
}

/** An element's text as JSON, for SUPER: numbers and booleans as themselves, jsonb as it is, the rest as strings. */
function jsonElement(text: string, t: TopicType): string {
  if (NUMBERS.has(t.family)) return jsonNumber(text);
  if (t.family === 'boolean' || t.family === 'jsonb') return text;
  return JSON.stringify(text);
}

/** An element in PostgreSQL's array literal: always quoted, backslashes and quotes escaped. */
const literalElement = (text: string) => `"${text.replace(/[\\"]/g, '\\$&')}"`;

function arrayText(v: unknown, t: TopicType, form: ArrayForm): string | Unfit {
  const element: TopicType = { ...t, pg: t.pg.slice(0, -2), array: false };
  if (!Array.isArray(v)) return new Unfit(`expected an array of ${element.pg}, got ${v === null ? 'null' : typeof v === 'object' ? 'an object' : typeof v}`);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (e === null || e === undefined) {
      out.push(form === 'json' ? 'null' : 'NULL');
      continue;
    }
    if (Array.isArray(e)) return new Unfit(`element ${i}: expected one dimension, got a nested array`);
    const text = scalarText(e, element);
    if (text instanceof Unfit) return new Unfit(`element ${i}: ${text.why}`);
    out.push(form === 'json' ? jsonElement(text, t) : literalElement(text));
  }
  return form === 'json' ? `[${out.join(',')}]` : `{${out.join(',')}}`;
}

/** A present, non-null JSON value as the text of a column of type `t`, or why it does not fit. */
export function typedText(v: unknown, t: TopicType, form: ArrayForm): string | Unfit {
  return t.array ? arrayText(v, t, form) : scalarText(v, t);
}
