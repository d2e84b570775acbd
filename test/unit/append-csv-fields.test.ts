import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { appendCsvFields, csvField } from '../../activities/warehouse/postgres/append-csv-fields.js';

const through = (chunks: string[], values: string[]) => text(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(appendCsvFields(values)));

describe('appendCsvFields', () => {
  it('appends the fields to every record', async () => {
    expect(await through(['1,a\n2,b\n'], ['app/us', 'us'])).toBe('1,a,"app/us","us"\n2,b,"app/us","us"\n');
  });

  it('leaves newlines and doubled quotes inside quoted fields alone, across chunk borders', async () => {
    const csv = '1,"line one\nline ""two""\n",x\n2,,\n3,"",""\n';
    const expected = '1,"line one\nline ""two""\n",x,"b"\n2,,,"b"\n3,"","","b"\n';
    expect(await through([csv], ['b'])).toBe(expected);
    // Every split point: the quote state must carry over.
    for (let i = 1; i < csv.length; i++) expect(await through([csv.slice(0, i), csv.slice(i)], ['b']), `split at ${i}`).toBe(expected);
  });

  it('agrees with a byte-by-byte reading on random CSV split at random points', async () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pieces = ['a', 'bc', ',', '\n', '"x"', '"q""q"', '"l1\nl2"', '""', ',,'];
    for (let round = 0; round < 200; round++) {
      let csv = '';
      for (let r = 0; r < 1 + rnd(6); r++) {
        for (let f = 0; f < 1 + rnd(4); f++) csv += (f ? ',' : '') + pieces[rnd(pieces.length)]!.replace(/^,+|\n$/g, '');
        csv += '\n';
      }
      // Reference: a quote toggles, a newline outside quotes ends a record.
      let expected = '';
      let inQuotes = false;
      for (const ch of csv) {
        if (ch === '"') inQuotes = !inQuotes;
        expected += ch === '\n' && !inQuotes ? ',"b"\n' : ch;
      }
      const cuts = [rnd(csv.length + 1), rnd(csv.length + 1)].sort((a, b) => a - b);
      expect(await through([csv.slice(0, cuts[0]), csv.slice(cuts[0], cuts[1]), csv.slice(cuts[1])], ['b']), JSON.stringify(csv)).toBe(expected);
    }
  });

  it('quotes the values it appends', () => {
    expect(csvField('a"b,c')).toBe('"a""b,c"');
  });

  it('writes nothing for an empty stream', async () => {
    expect(await through([], ['b'])).toBe('');
  });
});
