// Reading Debezium messages by their bytes (envelope.ts, payload-scan.ts, json-bytes.ts): the
// schema is told apart from the payload without parsing it, the cached schema is found by its
// bytes, and a change event's payload is read without parsing its source block. Every result is
// checked against JSON.parse of the same message, on the real captured records and on shapes
// made to mislead a naive search (a field named payload or source, quotes and braces in strings).
import { describe, expect, it } from 'vitest';
import { decodeRecord, recordDecoder, type KafkaRecord } from '../../activities/sources/debezium/decode.js';
import { SchemaCache, splitEnvelope } from '../../activities/sources/debezium/envelope.js';
import { valueEnd } from '../../activities/sources/debezium/json-bytes.js';
import { jsonInteger, parseJson } from '../../activities/sources/debezium/json.js';
import { scanPayload, standardLayout } from '../../activities/sources/debezium/payload-scan.js';
import { sequenceCommitLsn, sequenceLsn } from '../../activities/sources/debezium/sequence-lsn.js';
import { FIXTURES, decodeOptionsFor, loadFixture } from '../fixtures/debezium/load.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const cut = (b: Buffer, s: number, e: number) => b.toString('utf8', s, e);

/** The value of a real change event of the schemas fixture, as an object to vary. */
function realChange(op = 'u'): { schema: { fields: { field: string }[] } & Record<string, unknown>; payload: Record<string, unknown> } {
  const f = loadFixture('schemas-precise-micros');
  const r = f.records.find((x) => x.value !== null && (x.value as Buffer).toString().includes(`"op":"${op}"`))!;
  return JSON.parse((r.value as Buffer).toString()) as never;
}

describe('valueEnd', () => {
  it('ends objects, arrays, strings and scalars where JSON does, whatever the strings hold', () => {
    const cases = ['{"a":"}{\\"]","b":[1,{"c":null}]}', '[1,"]",[2]]', '"a\\\\"', '12', 'null', 'true'];
    for (const c of cases) expect(valueEnd(bytes(`${c},x`), 0, c.length + 2)).toBe(c.length);
    expect(valueEnd(bytes('{"a":"b"'), 0, 8)).toBe(-1);
    expect(valueEnd(bytes('"open'), 0, 5)).toBe(-1);
  });
});

describe('splitEnvelope', () => {
  it('splits every real message with a schema into the schema and payload JSON.parse sees', () => {
    let split = 0;
    for (const name of FIXTURES) {
      const f = loadFixture(name);
      for (const r of f.records) {
        for (const raw of [r.key, r.value]) {
          if (raw === null) continue;
          const b = raw as Buffer;
          const parts = splitEnvelope(b);
          if (!f.settings.schemas) {
            expect(parts).toBeNull();
            continue;
          }
          const whole = JSON.parse(b.toString()) as { schema: unknown; payload: unknown };
          expect(JSON.parse(cut(b, parts!.schemaStart, parts!.schemaEnd))).toEqual(whole.schema);
          expect(JSON.parse(cut(b, parts!.payloadStart, parts!.payloadEnd))).toEqual(whole.payload);
          split++;
        }
      }
    }
    expect(split).toBeGreaterThan(40);
  });

  it('is not misled by a field named payload inside the schema, or ,"payload": in its strings', () => {
    const v = realChange();
    v.schema.fields[1] = { ...v.schema.fields[1]!, doc: 'x},"payload":{"op":"d"}', parameters: { a: 'x', payload: 'p' } } as never;
    v.schema.fields.push({ type: 'string', optional: true, field: 'payload' } as never);
    v.payload.payload = { nested: '"payload":1' };
    const b = bytes(JSON.stringify(v));
    // The first ,"payload": is in the schema's parameters, the last is the payload's column.
    expect(b.toString().indexOf(',"payload":"p"')).toBeGreaterThan(0);
    expect(b.toString().lastIndexOf(',"payload":')).toBe(b.toString().indexOf(',"payload":{"nested"'));
    const parts = splitEnvelope(b)!;
    expect(JSON.parse(cut(b, parts.schemaStart, parts.schemaEnd))).toEqual(v.schema);
    expect(JSON.parse(cut(b, parts.payloadStart, parts.payloadEnd))).toEqual(v.payload);
  });

  it('leaves other shapes to a whole parse: schemaless, bare values, whitespace, more keys, truncated', () => {
    const v = realChange();
    for (const s of [
      JSON.stringify(v.payload),
      '{"id":1}',
      '42',
      JSON.stringify(v, null, 1),
      JSON.stringify({ ...v, extra: 1 }).replace(/}$/, ''),
      `{"schema":${JSON.stringify(v.schema)}}`,
      `{"payload":1,"schema":${JSON.stringify(v.schema)}}`,
    ]) {
      expect(splitEnvelope(bytes(s))).toBeNull();
    }
    // Three keys: the split holds, but the payload text is not JSON, so decoding parses it whole.
    const three = bytes(JSON.stringify({ ...v, extra: 1 }));
    const parts = splitEnvelope(three)!;
    expect(() => JSON.parse(cut(three, parts.payloadStart, parts.payloadEnd)) as unknown).toThrow();
  });
});

describe('SchemaCache', () => {
  it('finds a schema seen before by its bytes, and only that schema', () => {
    const v = realChange();
    const cache = new SchemaCache<string>(2);
    const first = bytes(JSON.stringify(v));
    expect(cache.lookup(first)).toBeNull();
    cache.add(first, splitEnvelope(first)!, 'v1');
    const other = bytes(JSON.stringify({ ...v, payload: { ...v.payload, op: 'c' } }));
    const hit = cache.lookup(other)!;
    expect(hit.value).toBe('v1');
    expect(JSON.parse(cut(other, hit.parts.payloadStart, hit.parts.payloadEnd))).toEqual({ ...v.payload, op: 'c' });
    // A schema that differs anywhere (a column added) is not the cached one.
    const evolved = { ...v, schema: { ...v.schema, fields: [...v.schema.fields, { type: 'string', optional: true, field: 'extra' }] } };
    const b2 = bytes(JSON.stringify(evolved));
    expect(cache.lookup(b2)).toBeNull();
    cache.add(b2, splitEnvelope(b2)!, 'v2');
    expect(cache.lookup(b2)!.value).toBe('v2');
    expect(cache.lookup(first)!.value).toBe('v1');
    // Same schema bytes but not followed by the payload key: no hit.
    expect(cache.lookup(bytes(`{"schema":${JSON.stringify(v.schema)},"other":1}`))).toBeNull();
    // The cache keeps `max` schemas, newest hit first.
    const b3 = bytes(JSON.stringify({ ...v, schema: { ...v.schema, version: 3 } }));
    cache.add(b3, splitEnvelope(b3)!, 'v3');
    expect(cache.lookup(b2)).toBeNull();
    expect(cache.lookup(first)!.value).toBe('v1');
  });
});

describe('scanPayload', () => {
  /** What decoding takes from the payload, by JSON.parse of all of it. */
  function byParse(payload: string) {
    const p = parseJson(payload) as Record<string, unknown> & { source: Record<string, unknown> };
    const s = p.source;
    return {
      op: p.op,
      before: p.before ?? null,
      after: p.after ?? null,
      lsn: jsonInteger(s.lsn) ?? sequenceLsn(s.sequence),
      commitLsn: sequenceCommitLsn(s.sequence),
      txId: s.txId == null ? null : (jsonInteger(s.txId) ?? null),
      tsMs: jsonInteger(s.ts_ms) === undefined ? 0 : Number(jsonInteger(s.ts_ms)),
      snapshot: s.snapshot !== undefined && s.snapshot !== null && s.snapshot !== 'false' && s.snapshot !== false,
      snapshotMark: s.snapshot === 'first' || s.snapshot === 'first_in_data_collection' ? 'first' : s.snapshot === 'last' || s.snapshot === 'last_in_data_collection' ? 'last' : null,
      schema: typeof s.schema === 'string' ? s.schema : '',
      table: typeof s.table === 'string' ? s.table : '',
    };
  }
  function byScan(message: Buffer) {
    const parts = splitEnvelope(message)!;
    const schema = JSON.parse(cut(message, parts.schemaStart, parts.schemaEnd)) as { fields: never[] };
    const p = scanPayload(message, parts.payloadStart, parts.payloadEnd, standardLayout(schema.fields)!);
    return p && { ...p, before: p.before === null ? null : parseJson(p.before), after: p.after === null ? null : parseJson(p.after) };
  }

  it('reads every real change event as JSON.parse does: snapshot, insert, update, delete, key change', () => {
    let n = 0;
    for (const name of ['schemas-precise-micros', 'schemas-string-connect'] as const) {
      for (const r of loadFixture(name).records) {
        if (r.value === null) continue;
        const b = r.value as Buffer;
        const parts = splitEnvelope(b)!;
        expect(byScan(b)).toEqual(byParse(cut(b, parts.payloadStart, parts.payloadEnd)));
        n++;
      }
    }
    expect(n).toBe(22);
  });

  it('is not misled by columns named source or op, or by envelope-like text in values', () => {
    const v = realChange();
    const trap = '","source":{"lsn":1},"op":"d"}';
    v.payload.before = { id: 7, source: { lsn: 2, op: 'x' }, op: trap, 'a"b': '\\' };
    v.payload.after = { id: 7, source: 'x', op: trap, note: '{"}' };
    const b = bytes(JSON.stringify(v));
    const parts = splitEnvelope(b)!;
    const scanned = byScan(b)!;
    expect(scanned).toEqual(byParse(cut(b, parts.payloadStart, parts.payloadEnd)));
    expect(scanned.op).toBe('u');
    expect(scanned.after).toMatchObject({ op: trap, source: 'x' });
  });

  it('keeps 64-bit source integers exact and reads snapshot markers and odd strings as JSON.parse does', () => {
    const v = realChange('r');
    const source = v.payload.source as Record<string, unknown>;
    for (const [snapshot, table] of [['last', 'tab\\"le'], [null, 'ünïcode'], [true, 't'], ['false', 't'], [false, 't']] as const) {
      const text = JSON.stringify({ ...v, payload: { ...v.payload, source: { ...source, snapshot, table } } }).replace(/"lsn":\d+/, '"lsn":9223372036854775807');
      const b = bytes(text);
      const parts = splitEnvelope(b)!;
      const scanned = byScan(b)!;
      expect(scanned).toEqual(byParse(cut(b, parts.payloadStart, parts.payloadEnd)));
      expect(scanned.lsn).toBe(9223372036854775807n);
    }
  });

  it('gives up (for a whole parse) on what it does not expect', () => {
    const v = realChange();
    const source = v.payload.source as Record<string, unknown>;
    const variants = [
      { ...v.payload, source: { ...source, lsn: 1.5 } },
      { ...v.payload, source: { ...source, txId: 'abc' } },
      { ...v.payload, source: { ...source, snapshot: 1 } },
      { ...v.payload, source: { ...source, schema: 5 } },
      { ...v.payload, op: null },
    ];
    for (const payload of variants) expect(byScan(bytes(JSON.stringify({ ...v, payload })))).toBeNull();
    // Payload fields out of the schema's order.
    const { before, ...rest } = v.payload;
    expect(byScan(bytes(JSON.stringify({ ...v, payload: { ...rest, before } })))).toBeNull();
  });

  it('knows the layouts it can read from the envelope schema', () => {
    const v = realChange();
    expect(standardLayout(v.schema.fields as never)).not.toBeNull();
    // A logical decoding message event (op m): no before/after.
    expect(standardLayout([{ type: 'string', field: 'op' }, { type: 'struct', field: 'source', fields: [] }] as never)).toBeNull();
    // A source block that is not flat.
    const fields = v.schema.fields.map((f) => (f.field === 'source' ? { ...f, fields: [{ type: 'struct', field: 'x', fields: [] }] } : f));
    expect(standardLayout(fields as never)).toBeNull();
  });
});

describe('decodeRecord by bytes', () => {
  it('decodes every real record exactly as from a whole parse (the same message with a space)', () => {
    for (const name of FIXTURES) {
      const f = loadFixture(name);
      const options = f.settings.schemas ? {} : decodeOptionsFor(f);
      for (const r of f.records) {
        // With a space after its first brace, the message has another shape: it is parsed whole.
        const spaced = (x: KafkaRecord['value']) => (x === null ? null : bytes(`{ ${x.toString().slice(1)}`));
        expect(decodeRecord(r, options)).toEqual(decodeRecord({ ...r, key: spaced(r.key), value: spaced(r.value) }, options));
      }
    }
  });

  it('decodes a whole topic with one decoder (schemas found in its cache) as record by record', () => {
    for (const name of FIXTURES) {
      const f = loadFixture(name);
      const options = f.settings.schemas ? {} : decodeOptionsFor(f);
      const decode = recordDecoder(options);
      expect(f.records.map((r) => decode(r))).toEqual(f.records.map((r) => decodeRecord(r, options)));
    }
  });

  it('decodes a tombstone by its key bytes', () => {
    const f = loadFixture('schemas-precise-micros');
    const t = f.records.find((r) => r.value === null)!;
    const d = decodeRecord(t);
    expect(d.kind).toBe('tombstone');
    expect(d.kind === 'tombstone' && d.key.id).toMatch(/^\d+$/);
  });
});
