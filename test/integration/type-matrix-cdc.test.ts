// The type matrix through the real Debezium PostgreSQL connector (JSON schemas, decimal.handling.mode
// precise, time.precision.mode adaptive_time_microseconds) into the PostgreSQL warehouse: the
// snapshot's rows of a table with a column of every type-map row, applied by a cdc pipeline, have
// per column the source's text form. What Debezium itself does not carry is listed below with the
// reason (docs/types.md, "through Debezium"): types it leaves out of its events, values it sends
// as something else (those are set to NULL at the source first), and types it sends in another
// form, which the target, typed from the message schema, keeps as that form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { TributaryConfig } from '../../config/schema.js';
import { connectorConfig, createPublication, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, uniqueName, withClient } from './stack.js';
import { dropSchema, topicStackConfig } from './topic-fixture.js';
import { createMatrixTable, dropMatrixTable, matrixColumns } from './type-matrix-columns.js';
import { textForms } from './type-matrix-forms.js';

const { escapeIdentifier: ident } = pg;
const name = uniqueName('type_matrix_cdc');
const topic = `${name}.public.${name}`;
const { columns: COLUMNS, types: t } = matrixColumns(uniqueName('tmc'));
/** Types the connector has no mapping for: it leaves their columns out of every event. */
const LEFT_OUT = ['c_tsquery', 'c_line', 'c_lseg', 'c_box', 'c_path', 'c_polygon', 'c_circle', 'c_xid', 'c_regclass', 'c_regtype', 'c_lsn', 'c_int8mr', 'c_tsmr', 'c_pair', 'c_floatrange', 'c_year_arr'];

/** Values the connector sends as another value or as null, [column, rows (1-based), why]: set to NULL at the source first. */
const NOT_CARRIED: [string, number[], string][] = [
  ['c_num', [1, 2, 3], 'NaN and ±Infinity have no VariableScaleDecimal: sent as null'],
  ['c_num50', [2], 'NaN has no Decimal: sent as null'],
  ['c_date', [1, 2, 3, 4], '±infinity, BC dates and dates past year 294276 are sent as other days'],
  ['c_ts', [1], 'the last microsecond of year 294276 overflows MicroTimestamp: sent as a negative number'],
  ['c_interval', [2], '-178000000 years overflows MicroDuration'],
  ['c_int_arr', [1], 'a two-dimensional array is sent as an array of nulls'],
  ['c_text_arr', [3], 'an array with lower bounds other than 1 is sent as Java object names'],
  ['c_num_arr', [1, 4], 'numeric arrays are sent as null or as arrays of nulls'],
  ['c_tstz_arr', [1, 4], 'infinity elements are sent as other timestamps'],
  ['c_enum_arr', [1], 'an enum array with a NULL element is sent as null'],
];

/**
 * Types the connector sends in another form, which the target (typed from the message schema)
 * keeps: their values arrive, NULLs stay NULL, the text differs. Why, per column.
 */
const ANOTHER_FORM: Record<string, string> = {
  c_money: 'a Decimal of the amount, without the currency format of lc_monetary',
  c_timetz: 'ZonedTime in UTC: the offset is not sent',
  c_interval: 'MicroDuration, microseconds with a month counted as 30.4375 days: months, days and time are not kept apart',
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
let config: TributaryConfig;
let h: Harness;

beforeAll(async () => {
  await withClient(STACK.source.us!, async (c) => {
    await createMatrixTable(c, name, COLUMNS, t);
    for (const [col, rows] of NOT_CARRIED) await c.query(`UPDATE public.${ident(name)} SET ${ident(col)} = NULL WHERE id = ANY($1::int[])`, [rows]);
    // Every value of c_date is one Debezium cannot carry: an ordinary day in their place, so the column is compared.
    await c.query(`UPDATE public.${ident(name)} SET c_date = '2024-02-29' WHERE id = 1`);
  });
  await createPublication(STACK.source.us!, name, [`public.${name}`]);
  await registerConnector(STACK.connect.us!, name, connectorConfig('us', name, [`public.${name}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }));
  config = topicStackConfig([{ name, kind: 'cdc', source: 'events', regions: ['us'], topic, target: name, key: ['id'] }]);
  h = await startHarness(config, ['us']);
}, 180_000);

afterAll(async () => {
  await h?.close();
  await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: name, slot: name, publication: name, topics: [topic] }).catch(() => undefined);
  await withClient(STACK.source.us!, (c) => dropMatrixTable(c, name, t));
  if (config) await dropSchema(config.warehouse.schema);
}, 120_000);

const warehouseRows = () => withClient(STACK.warehouse, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(config.warehouse.schema)}.${ident(name)}`)).rows[0]!.n)).catch(() => 0);

describe('the type matrix through Debezium', () => {
  it("applies the snapshot's rows with the source's text form in every column", async () => {
    // Debezium delivers the snapshot when it has read it: run until the five rows are in.
    for (let i = 0; i < 60 && (await warehouseRows()) < 5; i++) {
      await h.run(name, 'us');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await warehouseRows()).toBe(5);
    const source = await textForms(STACK.source.us!, 'public', name);
    const warehouse = await textForms(STACK.warehouse, config.warehouse.schema, name);
    // The output form: Debezium sends what the type's output function prints (char(n) padded).
    const differ: Record<string, unknown> = {};
    for (const [col] of COLUMNS) {
      if (LEFT_OUT.includes(col) || col in ANOTHER_FORM) continue;
      if (JSON.stringify(warehouse[col]?.output) !== JSON.stringify(source[col]!.output)) differ[col] = { source: source[col]!.output, warehouse: warehouse[col]?.output };
      // Not a comparison of NULLs only.
      expect(source[col]!.output.some((v) => v !== null), col).toBe(true);
    }
    expect(differ).toEqual({});
    for (const col of LEFT_OUT) expect(warehouse[col], col).toBeUndefined();
    const nulls = (f: { output: (string | null)[] } | undefined) => f?.output.map((v) => v === null);
    for (const col of Object.keys(ANOTHER_FORM)) expect(nulls(warehouse[col]), col).toEqual(nulls(source[col]));
  }, 120_000);
});
