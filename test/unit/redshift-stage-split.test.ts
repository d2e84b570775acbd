// Splitting a staged CSV for Redshift (a multiple of the slice count, whole records, bounded
// size) and the COPY manifest (mandatory entries, nothing listed twice).
import { describe, expect, it } from 'vitest';
import { CsvRecordScanner, partKey, SlicePlan } from '../../activities/stage/slices.js';
import { buildManifest, combineManifests, parseManifest, s3Url } from '../../activities/stage/manifest.js';

describe('CSV record boundaries', () => {
  it('ends records only at newlines outside quotes, across chunk edges', () => {
    const s = new CsvRecordScanner();
    const text = '1,"a\nb",x\n2,"say ""hi""\n",y\n3,plain,z';
    const cut = 7; // inside the quoted "a\nb"
    const a = s.ends(Buffer.from(text.slice(0, cut)));
    const b = s.ends(Buffer.from(text.slice(cut))).map((e) => e + cut);
    expect(a).toEqual([]);
    expect([...a, ...b].map((e) => text.slice(0, e).split('\n').length - 1)).toEqual([2, 4]);
    expect(text.slice(0, b[0])).toBe('1,"a\nb",x\n');
    expect(s.insideQuotes).toBe(false);
  });
});

describe('slice plan', () => {
  it('spreads blocks round-robin over the slices and starts a new set when all are full', () => {
    const plan = new SlicePlan(4, 100);
    const bytes: number[] = [];
    const placed: number[] = [];
    for (let i = 0; i < 12; i++) {
      const f = plan.place(bytes);
      placed.push(f);
      bytes[f] = (bytes[f] ?? 0) + 60;
    }
    expect(placed).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(plan.files).toBe(8);
  });

  it('always a multiple of the slice count, even for a tiny batch', () => {
    const plan = new SlicePlan(3, 1 << 20);
    plan.place([]);
    expect(plan.files).toBe(3);
    expect(() => new SlicePlan(0, 1)).toThrow('slice count');
  });

  it('names parts beside the staged file, in order', () => {
    expect(partKey('a/part-00000.csv.gz', 12)).toBe('a/part-00000.csv.gz.parts/00012.csv.gz');
  });
});

describe('COPY manifest', () => {
  it('lists every file as mandatory with its size', () => {
    const m = buildManifest('tributary-stage', [
      { key: 'p/a.csv.gz', bytes: 10 },
      { key: 'p/b.csv.gz', bytes: 20 },
    ]);
    expect(m).toEqual({
      entries: [
        { url: 's3://tributary-stage/p/a.csv.gz', mandatory: true, meta: { content_length: 10 } },
        { url: 's3://tributary-stage/p/b.csv.gz', mandatory: true, meta: { content_length: 20 } },
      ],
    });
    expect(parseManifest(JSON.stringify(m), 'x')).toEqual(m);
  });

  it('refuses files listed twice, optional entries and unsafe keys', () => {
    expect(() => buildManifest('tributary-stage', [{ key: 'a', bytes: 1 }, { key: 'a', bytes: 1 }])).toThrow('listed twice');
    const m = buildManifest('tributary-stage', [{ key: 'a', bytes: 1 }]);
    expect(() => combineManifests([m, m])).toThrow('listed twice');
    expect(() => parseManifest('{"entries":[{"url":"s3://b/k","mandatory":false,"meta":{"content_length":1}}]}', 'm')).toThrow('mandatory: true');
    expect(() => s3Url('tributary-stage', "k'ey")).toThrow('characters a COPY manifest should not carry');
    expect(() => buildManifest('tributary-stage', [])).toThrow('at least one file');
  });
});
