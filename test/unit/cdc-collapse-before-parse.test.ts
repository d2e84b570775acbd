// Collapsing before parsing (ChangeReader.scan, collapse with rowsOf) must stage exactly what
// decoding every event whole and collapsing eagerly staged: the same CSV bytes, columns and
// partition cuts. Checked on the captured Debezium topics (test/fixtures/debezium: snapshot rows,
// TOAST placeholders, deletes, a primary-key change, tombstones, schemaless messages, both decimal
// and time modes), every batch window of them, and on longer streams built from their real
// messages: many keys, updates lacking TOASTed values, deletes, key changes across partitions.
import { describe, expect, it } from 'vitest';
import { batchColumns } from '../../activities/sources/debezium/cdc-columns.js';
import { changeLine } from '../../activities/sources/debezium/cdc-extract.js';
import { collapse, type Collapsed } from '../../activities/sources/debezium/collapse.js';
import { keyId } from '../../activities/merge-rules/key-id.js';
import { changeReader, recordDecoder, type ChangeEvent, type DecodedRecord, type DecodeOptions, type FieldType, type KafkaRecord, type ScannedChange } from '../../activities/sources/debezium/decode.js';
import { type Row } from '../../activities/specs/row.js';
import { splitEnvelope } from '../../activities/sources/debezium/envelope.js';
import { cutForKeyChanges } from '../../activities/sources/debezium/key-change-cut.js';
import { FIXTURES, decodeOptionsFor, loadFixture } from '../fixtures/debezium/load.js';

/** collapse.ts as it was before rows were read lazily: every event's row, in order. The reference. */
function eagerCollapse(records: readonly DecodedRecord[]): Collapsed[] {
  const changes = records
    .filter((r): r is ChangeEvent => r.kind === 'change')
    .sort((a, b) => {
      if (a.snapshot !== b.snapshot) return a.snapshot ? -1 : 1;
      if (a.lsn !== b.lsn) return a.lsn < b.lsn ? -1 : 1;
      if (a.partition !== b.partition) return a.partition - b.partition;
      return a.offset === b.offset ? 0 : a.offset < b.offset ? -1 : 1;
    });
  const states = new Map<string, { last: ChangeEvent; row: Row; missing: Map<string, Row> }>();
  for (const e of changes) {
    const id = keyId(e.topic, e.key);
    const prev = states.get(id);
    if (e.op === 'd') {
      states.set(id, { last: e, row: prev?.row ?? {}, missing: prev?.missing ?? new Map<string, Row>() });
      continue;
    }
    const row: Row = { ...e.after };
    const missing = new Map<string, Row>();
    const donorKey = e.oldKey ?? e.key;
    const donor = e.oldKey ? states.get(keyId(e.topic, e.oldKey)) : prev?.last.op === 'd' ? undefined : prev;
    for (const column of e.unavailable) {
      const known = donor && Object.hasOwn(donor.row, column) && !donor.missing.has(column);
      if (known) row[column] = donor.row[column]!;
      else missing.set(column, donor?.missing.get(column) ?? donorKey);
    }
    states.set(id, { last: e, row, missing });
  }
  const out: Collapsed[] = [...states.values()].map(({ last, row, missing }) => ({
    kind: last.op === 'd' ? ('delete' as const) : ('upsert' as const),
    topic: last.topic,
    key: last.key,
    lsn: last.lsn,
    version: last.snapshot ? 0n : last.lsn,
    partition: last.partition,
    offset: last.offset,
    txId: last.txId,
    sourceTsMs: last.sourceTsMs,
    snapshot: last.snapshot,
    row,
    missing,
  }));
  return out.sort((a, b) => (a.lsn !== b.lsn ? (a.lsn < b.lsn ? -1 : 1) : a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0)));
}

const NEW_KEY = '__debezium.newkey';
const noneMoved = () => Promise.resolve(new Map<string, bigint>());

/** What a batch stages: columns, CSV text, cuts; and how many rows were parsed. */
async function stage(records: readonly KafkaRecord[], options: DecodeOptions, lazy: boolean) {
  const moved = new Set<string>();
  const read: (DecodedRecord | ScannedChange)[] = [];
  const reader = changeReader(options);
  const decode = recordDecoder(options);
  let scanned = 0;
  for (const r of records) {
    const d = lazy ? (reader.scan(r) ?? reader.decode(r)) : decode(r);
    if (d.kind === 'scanned') scanned++;
    read.push(d);
    if ((d.kind === 'change' || d.kind === 'scanned') && d.op === 'd' && r.headers?.[NEW_KEY] !== undefined) moved.add(`${d.partition}:${d.offset}`);
  }
  const { records: kept, cuts } = await cutForKeyChanges(read, noneMoved);
  let parsed = 0;
  const collapsed = lazy
    ? collapse(kept, (e) => {
        parsed++;
        return reader.rows(e);
      })
    : eagerCollapse(kept as DecodedRecord[]);
  const schemas = kept.flatMap((d): FieldType[][] => ((d.kind === 'change' || d.kind === 'scanned') && d.fields ? [d.fields] : []));
  const columns = schemas.length > 0 ? batchColumns(schemas) : Object.entries(options.columns ?? {}).map(([name, type]) => ({ name, type }));
  const csv = collapsed.map((c) => changeLine(c, columns, c.kind === 'delete' && moved.has(`${c.partition}:${c.offset}`))).join('');
  return { columns, csv, cuts: [...cuts], scanned, parsed };
}

async function expectSame(records: readonly KafkaRecord[], options: DecodeOptions) {
  const before = await stage(records, options, false);
  const after = await stage(records, options, true);
  expect(after.csv).toBe(before.csv);
  expect(after.columns).toEqual(before.columns);
  expect(after.cuts).toEqual(before.cuts);
  return after;
}

/** Every batch a consumer could read: each window of offsets, all partitions up to the same offset. */
function windows(records: readonly KafkaRecord[]): KafkaRecord[][] {
  const last = records.reduce((m, r) => Math.max(m, Number(r.offset)), 0);
  const out: KafkaRecord[][] = [];
  for (let from = 0; from <= last; from++) {
    for (let to = from + 1; to <= last + 1; to++) out.push(records.filter((r) => Number(r.offset) >= from && Number(r.offset) < to));
  }
  return out;
}

describe.each(FIXTURES)('fixture %s', (name) => {
  const f = loadFixture(name);
  const options: DecodeOptions = f.settings.schemas ? { settings: decodeOptionsFor(f).settings } : decodeOptionsFor(f);

  it('stages the same bytes for the whole topic and for every batch window', async () => {
    const whole = await expectSame(f.records, options);
    // Schemaless messages are always decoded whole; with schemas all but the key change's create are scanned.
    if (f.settings.schemas) expect(whole.scanned).toBeGreaterThan(0);
    else expect(whole.scanned).toBe(0);
    for (const w of windows(f.records)) await expectSame(w, options);
  });

  it('stages the same bytes whatever order the partitions interleave in', async () => {
    const reversed = [...f.records].sort((a, b) => b.partition - a.partition || Number(a.offset) - Number(b.offset));
    await expectSame(reversed, options);
  });
});

/**
 * A longer stream made of the fixture's real messages (its schema bytes, its payload layout),
 * with new keys, LSNs and values: snapshot reads, inserts, updates (some lacking the TOASTed
 * column), deletes with tombstones, and primary-key changes whose delete and create sit in
 * different partitions.
 */
function stream(events: number, keys: number, seed: number, fixture: (typeof FIXTURES)[number]): KafkaRecord[] {
  const f = loadFixture(fixture);
  const sample = (op: string, unavailable: boolean) =>
    f.records.find((r) => r.value !== null && (r.value as Buffer).includes(`"op":"${op}"`) && (r.value as Buffer).includes('__debezium_unavailable_value') === unavailable)!;
  const valueOf = (r: KafkaRecord) => {
    const b = r.value as Buffer;
    const parts = splitEnvelope(b)!;
    return { schema: b.toString('utf8', parts.schemaStart, parts.schemaEnd), payload: JSON.parse(b.toString('utf8', parts.payloadStart, parts.payloadEnd)) as Record<string, unknown> };
  };
  const update = valueOf(sample('u', false));
  const del = valueOf(sample('d', false));
  const keyRecord = f.records.find((r) => r.key !== null)!;
  const keyParts = splitEnvelope(keyRecord.key as Buffer)!;
  const keySchema = (keyRecord.key as Buffer).toString('utf8', keyParts.schemaStart, keyParts.schemaEnd);
  const keyBytes = (id: number) => Buffer.from(`{"schema":${keySchema},"payload":{"id":${id}}}`);
  const topic = keyRecord.topic;
  const partitions = 3;

  let s = seed;
  const rand = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  const offsets = new Array<number>(partitions).fill(0);
  const out: KafkaRecord[] = [];
  let lsn = 6_000_000_000;
  const put = (partition: number, key: Buffer, value: Buffer | null, headers: Record<string, Buffer> = {}) =>
    out.push({ topic, partition, offset: String(offsets[partition]!++), key, value, headers });
  const message = (op: string, id: number, row: Record<string, unknown> | null, snapshot: boolean, at: number) => {
    const base = op === 'd' ? del : update;
    const source = { ...(base.payload.source as Record<string, unknown>), lsn: at, txId: 1000 + (at % 777), ts_ms: 1_795_816_811_000 + (at % 100_000), snapshot: snapshot ? 'true' : 'false' };
    const payload = { before: op === 'd' ? { ...(del.payload.before as object), id } : null, after: row, source, transaction: null, op, ts_ms: 1_795_816_812_000 };
    return Buffer.from(`{"schema":${op === 'd' ? del.schema : update.schema},"payload":${JSON.stringify(payload)}}`);
  };
  const row = (id: number, n: number, toastUnchanged: boolean) => ({
    ...(update.payload.after as object),
    id,
    name: `name-${id}-${n}`,
    qty: n % 1000,
    big: toastUnchanged ? '__debezium_unavailable_value' : `big-${id}-${n}-${'x'.repeat(n % 50)}`,
  });

  const live = new Set<number>();
  for (let id = 1; id <= keys / 2; id++) {
    live.add(id);
    put(id % partitions, keyBytes(id), message('r', id, row(id, 0, false), true, lsn));
  }
  while (out.length < events) {
    lsn += 1 + rand(50);
    const id = 1 + rand(keys);
    const p = id % partitions;
    if (!live.has(id)) {
      live.add(id);
      put(p, keyBytes(id), message('c', id, row(id, out.length, false), false, lsn));
      continue;
    }
    const pick = rand(100);
    if (pick < 6) {
      live.delete(id);
      put(p, keyBytes(id), message('d', id, null, false, lsn));
      if (pick < 3) put(p, keyBytes(id), null);
    } else if (pick < 10) {
      // Primary-key change to a free key: delete of the old key, create of the new, same LSN.
      let to = 1 + rand(keys);
      while (live.has(to)) to = 1 + rand(keys);
      live.delete(id);
      live.add(to);
      put(p, keyBytes(id), message('d', id, null, false, lsn), { [NEW_KEY]: keyBytes(to) });
      put(to % partitions, keyBytes(to), message('c', to, row(to, out.length, rand(2) === 0), false, lsn), { '__debezium.oldkey': keyBytes(id) });
    } else {
      put(p, keyBytes(id), message('u', id, row(id, out.length, rand(3) > 0), false, lsn));
    }
  }
  return out;
}

describe('streams built from real messages', () => {
  for (const fixture of ['schemas-precise-micros', 'schemas-string-connect'] as const) {
    // Three seeds of 4,000 events, each also cut into batches: seconds of CPU, more on a loaded machine.
    it(`stages the same bytes as decoding every event (${fixture}), parsing fewer rows`, async () => {
      const f = loadFixture(fixture);
      const options: DecodeOptions = { settings: decodeOptionsFor(f).settings };
      for (const seed of [1, 2, 3]) {
        const records = stream(4_000, 400, seed, fixture);
        const all = await expectSame(records, options);
        expect(all.scanned).toBeGreaterThan(records.length / 2);
        expect(all.parsed).toBeLessThan(all.scanned);
        // Batches cut anywhere, as the offsets ledger cuts them.
        for (const [from, to] of [
          [0, 700],
          [700, 1_500],
          [1_200, 4_000],
        ] as const) {
          await expectSame(
            records.filter((r) => Number(r.offset) >= from && Number(r.offset) < to),
            options,
          );
        }
      }
    }, 60_000);
  }
});
