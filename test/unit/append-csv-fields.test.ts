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

  it('quotes the values it appends', () => {
    expect(csvField('a"b,c')).toBe('"a""b,c"');
  });

  it('writes nothing for an empty stream', async () => {
    expect(await through([], ['b'])).toBe('');
  });
});
