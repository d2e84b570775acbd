// Collapsing real Debezium batches (test/fixtures/debezium): one action per key, newest by LSN,
// primary-key changes as delete + upsert, unchanged TOASTed values filled or traced to the
// warehouse row that holds them. Checked end to end against PostgreSQL's own final table by
// applying the batches to a map that stands in for the warehouse.
import { describe, expect, it } from 'vitest';
import { decodeRecord, type ChangeEvent, type DecodedRecord } from '../../activities/sources/debezium/decode.js';
import { type Row } from '../../activities/specs/row.js';
import { collapse, type Collapsed } from '../../activities/sources/debezium/collapse.js';
import { keyId } from '../../activities/merge-rules/key-id.js';
import { FIXTURES, asCarried, decodeOptionsFor, loadFixture } from '../fixtures/debezium/load.js';

/**
 * What the merge must do with one collapsed batch: read missing values from the warehouse
 * first, then delete every key of the batch, then insert the upserts. A missing value that the
 * warehouse does not have would be a lost value, so it fails here.
 */
function applyBatch(warehouse: Map<string, Row>, batch: Collapsed[]): void {
  const rows = batch.map((c) => {
    if (c.kind === 'delete') return c;
    const row = { ...c.row };
    for (const [column, from] of c.missing) {
      const holder = warehouse.get(keyId(c.topic, from));
      if (!holder || !Object.hasOwn(holder, column)) throw new Error(`no value for ${column} of ${JSON.stringify(c.key)} in the warehouse row ${JSON.stringify(from)}`);
      row[column] = holder[column]!;
    }
    return { ...c, row };
  });
  for (const c of rows) warehouse.delete(keyId(c.topic, c.key));
  for (const c of rows) if (c.kind === 'upsert') warehouse.set(keyId(c.topic, c.key), c.row);
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.each(FIXTURES)('fixture %s', (name) => {
  const f = loadFixture(name);
  const options = f.settings.schemas ? {} : decodeOptionsFor(f);
  const decoded: DecodedRecord[] = f.records.map((r) => decodeRecord(r, options));
  const topic = f.records[0]!.topic;
  const finalRows = new Map(f.pgText.final.map((r) => [keyId(topic, { id: r.id ?? null }), asCarried(f, r)]));
  // Events in source order; batches are cut between LSNs, never inside one.
  const ordered = decoded.filter((d): d is ChangeEvent => d.kind === 'change').sort((a, b) => (a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0));

  it('keeps one action per key: deletes for 1 and 2, upserts of 3 and 10 as PostgreSQL has them', () => {
    const out = collapse(decoded);
    expect(out.map((c) => [c.kind, c.key.id]).sort()).toEqual([
      ['delete', '1'],
      ['delete', '2'],
      ['upsert', '10'],
      ['upsert', '3'],
    ]);
    for (const c of out) {
      if (c.kind !== 'upsert') continue;
      // Key 10 got its unchanged TOASTed value from key 1's snapshot row in the same batch.
      expect(c.missing.size).toBe(0);
      expect(c.row).toEqual(finalRows.get(keyId(topic, c.key)));
    }
    // Ordered by the winners' LSNs, each carrying its own position.
    const lsns = out.map((c) => c.lsn);
    expect([...lsns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(lsns);
  });

  it('does not depend on the order records arrive in (partitions interleave freely)', () => {
    const expected = collapse(decoded);
    for (const seed of [1, 7, 42, 1234]) expect(collapse(shuffled(decoded, seed))).toEqual(expected);
  });

  it('ignores replayed records (at-least-once delivery)', () => {
    expect(collapse([...decoded, ...decoded.slice(2), ...decoded.slice(5, 9)])).toEqual(collapse(decoded));
  });

  it('reaches PostgreSQL’s final table however the stream is cut into batches', () => {
    const boundaries = ordered.map((e, i) => i).filter((i) => i === 0 || ordered[i - 1]!.lsn !== ordered[i]!.lsn);
    for (const cut of [...boundaries, ordered.length]) {
      for (const cut2 of [...boundaries, ordered.length].filter((c) => c >= cut)) {
        const warehouse = new Map<string, Row>();
        for (const batch of [ordered.slice(0, cut), ordered.slice(cut, cut2), ordered.slice(cut2)]) applyBatch(warehouse, collapse(batch));
        expect(warehouse).toEqual(finalRows);
      }
    }
  });

  it('names the warehouse row that holds a value the batch lacks, the old key after a key change', () => {
    const streaming = ordered.filter((e) => e.op !== 'r');
    const out = collapse(streaming);
    const ten = out.find((c) => c.key.id === '10');
    expect(ten?.kind).toBe('upsert');
    if (ten?.kind !== 'upsert') return;
    expect([...ten.missing]).toEqual([['big', { id: '1' }]]);
    expect(ten.row).not.toHaveProperty('big');
    // Key 3: the update that left big alone is followed by one that set it, so nothing is missing.
    const three = out.find((c) => c.key.id === '3');
    expect(three?.kind === 'upsert' && three.missing.size).toBe(0);
    // A batch holding only the update that left big alone.
    const onlyUpdate = collapse(streaming.filter((e) => e.key.id === '3' && e.op === 'u').slice(0, 1));
    expect(onlyUpdate[0]?.kind === 'upsert' && [...onlyUpdate[0].missing]).toEqual([['big', { id: '3' }]]);
  });

  it('gives nothing to apply for tombstones alone', () => {
    expect(collapse(decoded.filter((d) => d.kind === 'tombstone'))).toEqual([]);
  });
});
