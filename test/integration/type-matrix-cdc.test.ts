// The type matrix through the real Debezium PostgreSQL connector into the PostgreSQL warehouse,
// under every decimal.handling.mode and time.precision.mode, and interval.handling.mode string
// beside the default numeric (type-matrix-cdc-settings.ts): six
// connectors on one source table, three with JSON schemas (every column) and three without
// (every column of a built-in or extension type columnTypes takes, typed from it; a seventh
// connector sends the columns it refuses, to show why).
// Per column the target's output form is the source's where the setting carries it exactly, and
// what the setting documents where it does not (double: the value rounded to float8; connect:
// times and timestamps cut to milliseconds). What Debezium itself does not carry under any
// setting is listed below with the reason (docs/types.md, "through Debezium"): types it leaves
// out of its events, values it sends as something else (set to NULL at the source first), and
// types it sends in another form, which the target, typed from the message schema, keeps. A
// sixth row holds the last microsecond of year 294276, which MicroTimestamp overflows: a dead
// letter naming its column under the microsecond settings, carried to the millisecond under connect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { skipCdcEvent } from '../../client/cdc-skip.js';
import type { TributaryConfig } from '../../config/schema.js';
import { connectorConfig, createPublication, readTopic, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { STACK, uniqueName, withClient } from './stack.js';
import { dropSchema, topicStackConfig } from './topic-fixture.js';
import { createMatrixTable, dropMatrixTable, EXT, matrixColumns } from './type-matrix-columns.js';
import { toMillis } from '../fixtures/debezium/load.js';
import { schemalessColumns, settled, VARIANTS, type SourceForms, type Variant } from './type-matrix-cdc-settings.js';
import { textForms } from './type-matrix-forms.js';

const { escapeIdentifier: ident } = pg;
const name = uniqueName('type_matrix_cdc');
const { columns: COLUMNS, types: t } = matrixColumns(uniqueName('tmc'));
const connectorOf = (v: Variant) => `${name}_${v.tag}`;
const topicOf = (v: Variant) => `${connectorOf(v)}.public.${name}`;
/** A pipeline at maxDeadLetterRatio 0 on the first variant's topic: the overflowed timestamp halts it. */
const HALTS = `${name}_halts`;
/** A schemaless connector on the columns columnTypes refuses: what it sends, which no declared type could read back. */
const REFUSED = `${name}_refused`;
const REFUSED_COLUMNS = ['c_interval', 'c_varbit', 'c_timetz', 'c_int_arr', 'c_text_arr', 'c_hstore_arr'];
/** Types the connector has no mapping for: it leaves their columns out of every event. */
const LEFT_OUT = ['c_tsquery', 'c_line', 'c_lseg', 'c_box', 'c_path', 'c_polygon', 'c_circle', 'c_xid', 'c_regclass', 'c_regtype', 'c_lsn', 'c_int8mr', 'c_tsmr', 'c_pair', 'c_floatrange', 'c_year_arr'];

/** Values the connector sends as another value or as null under every setting, [column, rows (1-based), why]: set to NULL at the source first. */
const NOT_CARRIED: [string, number[], string][] = [
  ['c_date', [1, 2, 3, 4], '±infinity, BC dates and dates past year 294276 are sent as other days'],
  ['c_ts', [1], 'row 6 holds it: the last microsecond of year 294276 overflows MicroTimestamp'],
  ['c_interval', [2], '-178000000 years overflows MicroDuration'],
  ['c_int_arr', [1], 'a two-dimensional array is sent as an array of nulls'],
  ['c_text_arr', [3], 'an array with lower bounds other than 1 is sent as Java object names'],
  ['c_num_arr', [1, 4], 'numeric arrays are sent as null or as arrays of nulls'],
  ['c_tstz_arr', [1, 4], 'infinity elements are sent as other timestamps'],
  ['c_enum_arr', [1], 'an enum array with a NULL element is sent as null'],
];
const LAST_MICRO = '294276-12-31 23:59:59.999999';
/** The overflowed MicroTimestamp's reason (the connector sends -2^63 + 1000000 - 2 µs). */
const OVERFLOW = 'timestamp 290309-12-21 19:59:06.22419 BC (-9223372036853775810 µs) is outside 4714-11-24 BC to 294276-12-31, the days every warehouse holds';

/**
 * Types the connector sends in another form under every setting, which the target (typed from
 * the message schema) keeps: their values arrive, NULLs stay NULL, the text differs. Why, per column.
 */
const ANOTHER_FORM: Record<string, string> = {
  c_timetz: 'ZonedTime in UTC: the offset is not sent',
  c_interval: 'under interval.handling.mode numeric, MicroDuration, microseconds with a month counted as 30.4375 days: months, days and time are not kept apart',
  c_json: 'io.debezium.data.Json, kept as jsonb: spacing and duplicate keys are not kept',
  c_bit: 'io.debezium.data.Bits, little-endian bytes without the bit length (bytea)',
  c_varbit: 'io.debezium.data.Bits, little-endian bytes without the bit length (bytea): leading zeros are lost',
  c_hstore: 'a JSON object (hstore.handling.mode json), kept as jsonb',
  c_int_arr: 'arrays are JSON arrays (jsonb), without lower bounds',
  c_text_arr: 'arrays are JSON arrays (jsonb)',
  c_num_arr: 'arrays are JSON arrays (jsonb)',
  c_tstz_arr: 'arrays are JSON arrays (jsonb) of ISO timestamps',
  c_bytea_arr: 'arrays are JSON arrays (jsonb) of base64 bytes',
  c_json_arr: 'arrays are JSON arrays (jsonb) of JSON texts',
  c_enum_arr: 'arrays are JSON arrays (jsonb), without lower bounds',
  c_hstore_arr: 'arrays are JSON arrays (jsonb) of JSON objects',
  c_range_arr: 'arrays are JSON arrays (jsonb) of range texts',
};
const micros = (v: Variant) => v.timePrecisionMode !== 'connect';
/** interval.handling.mode string sends an interval as ISO 8601, which keeps its months, days and time: compared as any other column. */
const anotherForm = (v: Variant) => Object.keys(ANOTHER_FORM).filter((c) => !(c === 'c_interval' && v.intervalHandlingMode === 'string'));
let config: TributaryConfig;
let h: Harness;

beforeAll(async () => {
  await withClient(STACK.source.us!, async (c) => {
    await createMatrixTable(c, name, COLUMNS, t);
    for (const [col, rows] of NOT_CARRIED) await c.query(`UPDATE public.${ident(name)} SET ${ident(col)} = NULL WHERE id = ANY($1::int[])`, [rows]);
    // Every value of c_date is one Debezium cannot carry: an ordinary day in their place, so the column is compared.
    await c.query(`UPDATE public.${ident(name)} SET c_date = '2024-02-29' WHERE id = 1`);
    await c.query(`INSERT INTO public.${ident(name)} (id, c_ts) VALUES (6, $1)`, [LAST_MICRO]);
  });
  const captured = (v: Variant) => ['id', ...schemalessColumns(v)].map((c) => `public\\.${name}\\.${c}`).join(',');
  await Promise.all(
    VARIANTS.map(async (v) => {
      await createPublication(STACK.source.us!, connectorOf(v), [`public.${name}`]);
      const base = connectorConfig('us', connectorOf(v), [`public.${name}`], v);
      await registerConnector(STACK.connect.us!, connectorOf(v), v.schemas ? base : { ...base, 'column.include.list': captured(v) });
    }),
  );
  await createPublication(STACK.source.us!, REFUSED, [`public.${name}`]);
  const refused = ['id', ...REFUSED_COLUMNS].map((c) => `public\\.${name}\\.${c}`).join(',');
  await registerConnector(STACK.connect.us!, REFUSED, { ...connectorConfig('us', REFUSED, [`public.${name}`], VARIANTS[3]!), 'column.include.list': refused });
  // An extension's type is declared by its name alone, as columnTypes takes it.
  const columnTypes = (v: Variant): Record<string, string> => ({ id: 'integer', ...Object.fromEntries(COLUMNS.filter(([c]) => schemalessColumns(v).includes(c)).map(([c, type]) => [c, type.replace(`${EXT}.`, '')])) });
  const pipeline = (v: Variant, pipelineName: string, maxDeadLetterRatio: number) => ({
    name: pipelineName,
    kind: 'cdc',
    source: 'events',
    regions: ['us'],
    topic: topicOf(v),
    target: pipelineName,
    key: ['id'],
    options: { decimalHandlingMode: v.decimalHandlingMode, timePrecisionMode: v.timePrecisionMode, intervalHandlingMode: v.intervalHandlingMode ?? 'numeric', maxDeadLetterRatio, ...(v.schemas ? {} : { columnTypes: columnTypes(v) }) },
  });
  config = topicStackConfig([...VARIANTS.map((v) => pipeline(v, connectorOf(v), 0.5)), pipeline(VARIANTS[0]!, HALTS, 0)]);
  h = await startHarness(config, ['us']);
}, 240_000);

afterAll(async () => {
  await h?.close();
  for (const c of [...VARIANTS.map(connectorOf), REFUSED]) {
    await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: c, slot: c, publication: c, topics: [`${c}.public.${name}`] }).catch(() => undefined);
  }
  await withClient(STACK.source.us!, (c) => dropMatrixTable(c, name, t));
  if (config) await dropSchema(config.warehouse.schema);
}, 180_000);

const count = (table: string) => withClient(STACK.warehouse, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(config.warehouse.schema)}.${ident(table)}`)).rows[0]!.n)).catch(() => 0);
const deadLetters = (pipeline: string) =>
  withClient(STACK.warehouse, async (c) => (await c.query<{ partition: number; offset: string; reason: string; field: string | null; detail: string }>(`SELECT kafka_partition AS partition, kafka_offset::text AS offset, reason, field, detail FROM ${ident(config.warehouse.schema)}.tributary_dead_letters WHERE pipeline = $1 ORDER BY kafka_partition, kafka_offset`, [pipeline])).rows);

/** Runs a pipeline until its target has `rows` rows: Debezium delivers the snapshot when it has read it. */
async function runUntil(pipeline: string, rows: number): Promise<void> {
  for (let i = 0; i < 60 && (await count(pipeline)) < rows; i++) {
    await h.run(pipeline, 'us');
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(await count(pipeline), pipeline).toBe(rows);
}

/** The source's forms the settings work from: output forms, and the float8 of numeric and of money's amount. */
async function sourceForms(): Promise<Record<string, SourceForms>> {
  const forms = await textForms(STACK.source.us!, 'public', name);
  const out: Record<string, SourceForms> = Object.fromEntries(Object.entries(forms).map(([c, f]) => [c, { output: f.output }]));
  await withClient(STACK.source.us!, async (c) => {
    const f8 = (col: string, cast = '') => `CASE WHEN ${ident(col)} IS NOT NULL THEN format('%s', ${ident(col)}${cast}::float8) END`;
    const q = `SELECT ${f8('c_num')} AS c_num, ${f8('c_num12')} AS c_num12, ${f8('c_num50')} AS c_num50, ${f8('c_money', '::numeric')} AS c_money,
                      CASE WHEN c_money IS NOT NULL THEN format('%s', c_money::numeric) END AS amount FROM public.${ident(name)} ORDER BY id`;
    const rows = (await c.query<Record<string, string | null>>(q)).rows;
    for (const col of ['c_num', 'c_num12', 'c_num50', 'c_money']) out[col]!.float8 = rows.map((r) => r[col]!);
    out.c_money!.amount = rows.map((r) => r.amount!);
  });
  return out;
}

describe('the type matrix through Debezium, under each decimal and time setting', () => {
  it("applies the snapshot's rows with the source's output form, or what the setting documents, in every column", async () => {
    // The last row is a dead letter where MicroTimestamp overflows, and the rest applies.
    await Promise.all(VARIANTS.map((v) => runUntil(connectorOf(v), micros(v) ? 5 : 6)));
    const source = await sourceForms();
    const differ: Record<string, unknown> = {};
    for (const v of VARIANTS) {
      const warehouse = await textForms(STACK.warehouse, config.warehouse.schema, connectorOf(v));
      const columns = v.schemas ? COLUMNS.map(([c]) => c) : schemalessColumns(v);
      for (const col of columns) {
        // Without schemas every captured column is read by its declared type: each is compared.
        if (v.schemas && (LEFT_OUT.includes(col) || anotherForm(v).includes(col))) continue;
        let want = settled(v, col, source[col]!) ?? source[col]!.output;
        // Not a comparison of NULLs only.
        expect(want.some((x) => x !== null), `${v.tag} ${col}`).toBe(true);
        if (micros(v)) want = want.slice(0, 5);
        const got = warehouse[col]?.output;
        if (JSON.stringify(got) !== JSON.stringify(want)) differ[`${v.tag} ${col}`] = { want, got };
      }
      const nulls = (f: { output: (string | null)[] } | undefined) => f?.output.map((x) => x === null);
      if (v.schemas) {
        for (const col of LEFT_OUT) expect(warehouse[col], `${v.tag} ${col}`).toBeUndefined();
        for (const col of anotherForm(v)) expect(nulls(warehouse[col]), `${v.tag} ${col}`).toEqual(nulls(source[col])!.slice(0, micros(v) ? 5 : 6));
      } else {
        expect(Object.keys(warehouse).sort(), v.tag).toEqual([...schemalessColumns(v)].sort());
      }
    }
    expect(differ).toEqual({});
    // The settings that lose something do lose it here: the comparisons above are not of equal forms.
    expect(source.c_num12!.float8).not.toEqual(source.c_num12!.output);
    expect(source.c_ts!.output.map((x) => x && toMillis(x))).not.toEqual(source.c_ts!.output);
    expect(source.c_ts!.output[5]).toBe(LAST_MICRO);
  }, 240_000);

  it('dead-letters the overflowed timestamp with its column above ratio 0, and carries it to the millisecond under connect', async () => {
    for (const v of VARIANTS) {
      const dead = await deadLetters(connectorOf(v));
      if (micros(v)) expect(dead.map((d) => [d.reason, d.field, d.detail]), v.tag).toEqual([['undecodable', 'c_ts', OVERFLOW]]);
      else expect(dead, v.tag).toEqual([]);
    }
  });

  it('at ratio 0 halts on it naming the offset, the column, the reason and the skip command; the skip applies the rest', async () => {
    const { partition, offset } = (await deadLetters(connectorOf(VARIANTS[0]!)))[0]!;
    const message = await failureOf(h.run(HALTS, 'us'));
    const topic = topicOf(VARIANTS[0]!);
    expect(message).toContain(`pipeline ${HALTS}, region us, source events/us/cell-1: 1 of 6 events of topic ${topic} cannot be applied, and options.maxDeadLetterRatio is 0.`);
    expect(message).toContain(`The first is at partition ${partition}, offset ${offset}: ${topic}[${partition}]@${offset} column "c_ts": ${OVERFLOW}.`);
    expect(message).toContain(`tributary cdc skip ${HALTS} --region us --cell cell-1 --partition ${partition} --offset ${offset}.`);
    expect(await count(HALTS)).toBe(0);
    await skipCdcEvent(config, createSecretProvider(config.secrets), { pipeline: HALTS, region: 'us', cell: 'cell-1', partition, offset: Number(offset) });
    await h.run(HALTS, 'us');
    expect(await count(HALTS)).toBe(5);
    expect((await deadLetters(HALTS)).map((d) => [d.partition, d.offset, d.reason])).toEqual([[partition, offset, 'skipped by operator']]);
  }, 120_000);

  it('refuses in columnTypes the types whose schemaless values Debezium sends as something else, naming pipeline, column and type', async () => {
    const topic = `${REFUSED}.public.${name}`;
    const records = await readTopic(STACK.kafka['us/cell-1']!, topic, (rs) => rs.filter((r) => r.value !== null).length >= 6);
    const rows = new Map(records.map((r) => (JSON.parse(r.value!) as { after: Record<string, unknown> }).after).map((a) => [a.id, a]));
    const [r1, r2] = [rows.get(1)!, rows.get(2)!];
    // 1 year 2 mons 3 days 04:05:06.789 as microseconds with a month of 30.4375 days: a bare number
    // an interval column reads as seconds, and no longer months, days and time apart.
    expect(r1.c_interval).toBe(37_091_106_789_000);
    // timetz in UTC, without its offset (00:00:00+15:59).
    expect(r1.c_timetz).toBe('08:01:00Z');
    // Arrays as JSON arrays without their lower bounds.
    // varbit as its bits' bytes: 1010101010 and 0 are those of 682 and of nothing, the length is lost.
    expect([r2.c_varbit, rows.get(3)!.c_varbit]).toEqual(['qgI=', '']);
    expect(r2.c_int_arr).toEqual([1, 2]);
    expect(r1.c_text_arr).toEqual(['a b', null, '', 'ü', 'NULL', 'with "quote"']);
    const columnTypes = Object.fromEntries(['id', ...REFUSED_COLUMNS].map((c) => [c, COLUMNS.find(([n]) => n === c)?.[1].replace(`${EXT}.`, '') ?? 'integer']));
    const refused = () => topicStackConfig([{ name: REFUSED, kind: 'cdc', source: 'events', regions: ['us'], topic, target: REFUSED, key: ['id'], options: { columnTypes } }]);
    for (const c of REFUSED_COLUMNS) expect(refused, c).toThrow(`pipeline "${REFUSED}", column ${c}: type ${columnTypes[c]} cannot be read without JSON schemas`);
    // Under interval.handling.mode string an interval is ISO 8601 text, which keeps its parts: taken.
    const asString = topicStackConfig([{ name: REFUSED, kind: 'cdc', source: 'events', regions: ['us'], topic, target: REFUSED, key: ['id'], options: { intervalHandlingMode: 'string', columnTypes: { id: 'integer', c_interval: 'interval' } } }]);
    expect(asString.pipelines[0]!.name).toBe(REFUSED);
  });
});
