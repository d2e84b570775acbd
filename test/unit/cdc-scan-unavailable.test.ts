// Scanned events whose after row surely lacks no value (no unavailable-value placeholder, no JSON
// escape in its bytes) let collapsing drop the events before them; collapseKeys reads each key's
// row only when it is completed. Both must stage what decoding every event whole does, also when
// the placeholder is written with JSON escapes, and a winner completed twice must read the same.
import { describe, expect, it } from 'vitest';
import { collapse, collapseKeys } from '../../activities/sources/debezium/collapse.js';
import { changeReader, recordDecoder, type DecodeOptions, type KafkaRecord, type ScannedChange } from '../../activities/sources/debezium/decode.js';
import { cutForKeyChanges } from '../../activities/sources/debezium/key-change-cut.js';
import { decodeOptionsFor, loadFixture } from '../fixtures/debezium/load.js';

const PLACEHOLDER = '__debezium_unavailable_value';
const noneMoved = () => Promise.resolve(new Map<string, bigint>());

/** The record with every placeholder in its value written with a JSON escape (\u005f for its first "_"). */
function escaped(r: KafkaRecord): KafkaRecord {
  if (!Buffer.isBuffer(r.value) || !r.value.includes(PLACEHOLDER)) return r;
  return { ...r, value: Buffer.from(r.value.toString('utf8').replaceAll(`"${PLACEHOLDER}"`, `"\\u005f${PLACEHOLDER.slice(1)}"`)) };
}

async function bothWays(records: readonly KafkaRecord[], options: DecodeOptions) {
  const decode = recordDecoder(options);
  const eager = collapse((await cutForKeyChanges(records.map(decode), noneMoved)).records);
  const reader = changeReader(options);
  const read = records.map((r) => reader.scan(r) ?? reader.decode(r));
  const { records: kept } = await cutForKeyChanges(read, noneMoved);
  const { pending, complete } = collapseKeys(kept, reader.rows);
  const scanned = read.filter((d): d is ScannedChange => d.kind === 'scanned');
  return { eager, lazy: pending.map(complete), again: pending.map(complete), scanned };
}

describe('scanned events and rows that lack values', () => {
  const f = loadFixture('schemas-precise-micros');
  const options: DecodeOptions = { settings: decodeOptionsFor(f).settings };

  it('marks only rows that cannot hold the placeholder, and collapses as decoding whole does', async () => {
    const { eager, lazy, again, scanned } = await bothWays(f.records, options);
    expect(lazy).toEqual(eager);
    expect(again).toEqual(eager);
    const withPlaceholder = scanned.filter((e) => e.afterBytes?.subarray(e.afterStart, e.afterEnd).includes(PLACEHOLDER));
    expect(withPlaceholder.length).toBeGreaterThan(0);
    for (const e of withPlaceholder) expect(e.noUnavailable).toBe(false);
    expect(scanned.some((e) => e.noUnavailable)).toBe(true);
    // The fixture's updates lacking a TOASTed value get it from an earlier event of their key.
    expect(eager.some((c) => c.kind === 'upsert' && c.missing.size === 0 && Object.values(c.row).some((v) => v !== null && v.length > 1000))).toBe(true);
  });

  it('treats a placeholder written with JSON escapes as the placeholder', async () => {
    const records = f.records.map(escaped);
    expect(records.some((r, i) => r !== f.records[i])).toBe(true);
    const { eager, lazy, scanned } = await bothWays(records, options);
    expect(lazy).toEqual(eager);
    const withEscape = scanned.filter((e) => e.afterBytes?.subarray(e.afterStart, e.afterEnd).includes('\\u005f'));
    expect(withEscape.length).toBeGreaterThan(0);
    for (const e of withEscape) expect(e.noUnavailable).toBe(false);
    // And it was read as unavailable: the same outcome as the unescaped topic.
    expect(lazy).toEqual((await bothWays(f.records, options)).eager);
  });

  it('rules nothing out for a placeholder holding a NUL (parseJson marks long integers with one)', () => {
    const reader = changeReader({ ...options, unavailableValue: '\u0000int:1' });
    const read = f.records.map((r) => reader.scan(r)).filter((d): d is ScannedChange => d !== null);
    expect(read.length).toBeGreaterThan(0);
    for (const e of read) expect(e.noUnavailable).toBe(false);
  });
});
