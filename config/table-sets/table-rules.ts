// The rules that turn one catalog table into a pipeline's shape: its key (the primary key, else
// a unique index on NOT NULL columns, else none: never a guessed key) and its kind (a fact when
// it has one of the set's watermark columns, indexed and NOT NULL or with a declared NULL
// policy; else a dimension), each overridable per table. Pure.
import type { TableSetConfig, TableSetOverride } from '../schema.js';
import type { CatalogTable } from './catalog.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TableShape {
  /** cdc: the set captures its tables (cdc:), so only the key is the catalog's to find. */
  kind: 'fact' | 'dimension' | 'cdc';
  key: string[];
  keyFrom: 'primary key' | 'unique index' | 'override';
  watermark?: string;
  /** Why this kind, for `tributary plan`. */
  because: string;
}

export type ShapeResult = { ok: true; shape: TableShape } | { ok: false; reason: string };

const no = (reason: string): ShapeResult => ({ ok: false, reason });

export function tableShape(set: TableSetConfig, t: CatalogTable, o: TableSetOverride | undefined): ShapeResult {
  if (!IDENT.test(t.schema) || !IDENT.test(t.table)) return no('its name is not a plain identifier (letters, digits and _), which pipelines take');
  if (!t.readable) return no("the source's role may not read it: grant USAGE on the schema and SELECT on the table (docs/security.md)");
  const columns = new Map(t.columns.map((c) => [c.name, c]));
  const odd = t.columns.find((c) => !IDENT.test(c.name));
  if (odd) return no(`column "${odd.name}" is not a plain identifier (letters, digits and _)`);

  let key: string[];
  let keyFrom: TableShape['keyFrom'];
  if (o?.key) {
    const missing = o.key.filter((k) => !columns.has(k));
    if (missing.length) return no(`override key column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in the table`);
    [key, keyFrom] = [o.key, 'override'];
  } else if (t.primaryKey) {
    [key, keyFrom] = [t.primaryKey, 'primary key'];
  } else if (t.uniqueKeys[0]) {
    // The narrowest unique index; among equals, the first by index name (the catalog's order).
    const best = [...t.uniqueKeys].sort((a, b) => a.length - b.length)[0]!;
    [key, keyFrom] = [best, 'unique index'];
  } else {
    return no('no primary key and no unique index on NOT NULL columns: declare overrides.<table>.key');
  }

  if (set.cdc) {
    // Debezium keys a captured table's messages by its primary key, so no other key will do.
    if (!t.primaryKey) return no('no primary key, which Debezium keys a captured table\'s messages by: add one, or exclude the table');
    if (key.join() !== t.primaryKey.join()) return no(`override key (${key.join(', ')}) is not the primary key (${t.primaryKey.join(', ')}), which Debezium keys messages by`);
    return { ok: true, shape: { kind: 'cdc', key, keyFrom, because: "captured by the set's connector" } };
  }
  if (o?.kind === 'dimension') return { ok: true, shape: { kind: 'dimension', key, keyFrom, because: 'override' } };
  const candidates = o?.watermark ? [o.watermark] : set.watermark;
  const name = candidates.find((c) => columns.has(c) && !key.includes(c));
  if (o?.watermark && !columns.has(o.watermark)) return no(`override watermark column ${o.watermark} not in the table`);
  if (o?.watermark && key.includes(o.watermark)) return no(`override watermark column ${o.watermark} is part of the key`);
  if (name === undefined) {
    if (o?.kind === 'fact') return no(`override kind fact, but the table has none of the watermark columns (${candidates.join(', ') || 'none declared'})`);
    return { ok: true, shape: { kind: 'dimension', key, keyFrom, because: candidates.length ? `none of ${candidates.join(', ')}` : 'no watermark rule' } };
  }
  const col = columns.get(name)!;
  if (!col.indexed && o?.kind !== 'fact') return { ok: true, shape: { kind: 'dimension', key, keyFrom, because: `${name} has no index` } };
  if (!col.notNull) {
    if (o?.kind !== 'fact' && set.nullableWatermark === 'dimension') {
      return { ok: true, shape: { kind: 'dimension', key, keyFrom, because: `${name} is nullable (nullableWatermark: dimension)` } };
    }
    return no(`watermark column ${name} is nullable: a fact would miss its NULL rows; set nullableWatermark: dimension, or override the table's kind or watermark`);
  }
  return { ok: true, shape: { kind: 'fact', key, keyFrom, watermark: name, because: o?.kind === 'fact' ? 'override' : `${name}, indexed and NOT NULL` } };
}
