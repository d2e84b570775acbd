// Debezium's numeric encodings of decimals and temporal values, turned into warehouse text, at
// the edges the captured fixtures do not reach (BC dates, negative scales, zones, bytes).
import { describe, expect, it } from 'vitest';
import {
  byteaText,
  dateText,
  decimalText,
  intervalText,
  timeText,
  timestampText,
  unscaledFromBase64,
  zonedTimeText,
  zonedTimestampText,
} from '../../activities/sources/debezium/text-forms.js';
import { jsonInteger, parseJson, stringifyJson } from '../../activities/sources/debezium/json.js';

const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

describe('decimals', () => {
  it('reads unscaled two-complement big-endian bytes', () => {
    expect(unscaledFromBase64(b64([0x12, 0xd6, 0x44]))).toBe(1234500n);
    expect(unscaledFromBase64(b64([0xff]))).toBe(-1n);
    expect(unscaledFromBase64(b64([0x80, 0x00]))).toBe(-32768n);
    expect(unscaledFromBase64(b64([0x00, 0xff]))).toBe(255n);
    expect(unscaledFromBase64('')).toBe(0n);
  });

  it('writes exactly `scale` fraction digits', () => {
    expect(decimalText(1234500n, 3)).toBe('1234.500');
    expect(decimalText(-1n, 3)).toBe('-0.001');
    expect(decimalText(0n, 2)).toBe('0.00');
    expect(decimalText(5n, 0)).toBe('5');
    expect(decimalText(-12n, -2)).toBe('-1200');
    expect(decimalText(-12345678901234567890123456789n, 9)).toBe('-12345678901234567890.123456789');
  });
});

describe('dates and times', () => {
  it('counts days from 1970-01-01 on the proleptic Gregorian calendar', () => {
    expect(dateText(0)).toBe('1970-01-01');
    expect(dateText(-1)).toBe('1969-12-31');
    expect(dateText(19782)).toBe('2024-02-29');
    expect(dateText(-719162)).toBe('0001-01-01');
    expect(dateText(-719163)).toBe('0001-12-31 BC');
    expect(dateText(2932896)).toBe('9999-12-31');
  });

  it('writes times of day with trailing zeros dropped, 24:00:00 included', () => {
    expect(timeText(0n)).toBe('00:00:00');
    expect(timeText(49_530_123_456n)).toBe('13:45:30.123456');
    expect(timeText(49_530_120_000n)).toBe('13:45:30.12');
    expect(timeText(86_400_000_000n)).toBe('24:00:00');
    expect(() => timeText(86_400_000_001n)).toThrow(RangeError);
  });

  it('writes timestamps before the epoch and before year 1', () => {
    expect(timestampText(-1n)).toBe('1969-12-31 23:59:59.999999');
    expect(timestampText(1_709_214_330_123_456n)).toBe('2024-02-29 13:45:30.123456');
    expect(timestampText(-62_135_596_800_000_001n)).toBe('0001-12-31 23:59:59.999999 BC');
    expect(timestampText(9_223_372_036_854_775n)).toBe('2262-04-11 23:47:16.854775');
  });

  it("reads Debezium's infinity markers (milliseconds) as ±infinity, and a real value near them as itself", () => {
    expect(timestampText(9_223_372_036_825_200n * 1000n)).toBe('infinity');
    expect(timestampText(-9_223_372_036_832_400n * 1000n)).toBe('-infinity');
    expect(timestampText(9_223_372_036_825_200n)).toBe('2262-04-11 23:47:16.8252');
  });

  it('rewrites ISO zoned timestamps and times as timestamptz and timetz text', () => {
    expect(zonedTimestampText('2024-02-29T11:45:30.123456Z')).toBe('2024-02-29 11:45:30.123456+00');
    expect(zonedTimestampText('2038-01-19T03:14:08.000000Z')).toBe('2038-01-19 03:14:08+00');
    expect(zonedTimestampText('2024-02-29T11:45:30+05:30')).toBe('2024-02-29 11:45:30+05:30');
    expect(zonedTimeText('13:45:30.500Z')).toBe('13:45:30.5+00');
    // Signed years past 9999 and before year 1, and the infinities.
    expect(zonedTimestampText('+294276-12-31T23:59:59Z')).toBe('294276-12-31 23:59:59+00');
    expect(zonedTimestampText('-4712-01-01T00:00:00Z')).toBe('4713-01-01 00:00:00+00 BC');
    expect(zonedTimestampText('0000-03-01T00:00:00.5Z')).toBe('0001-03-01 00:00:00.5+00 BC');
    expect(zonedTimestampText('infinity')).toBe('infinity');
    expect(zonedTimestampText('-infinity')).toBe('-infinity');
    expect(() => zonedTimestampText('yesterday')).toThrow(RangeError);
  });

  it('writes bytes as bytea hex', () => {
    expect(byteaText(b64([0xde, 0xad, 0x00]))).toBe('\\xdead00');
  });
});

describe('lossless JSON', () => {
  it('keeps integers past 2^53 exact, and leaves digits inside strings alone', () => {
    const v = parseJson('{"ns":1795816412133449902,"neg":-9223372036854775808,"s":"12345678901234567890","d":0.1234567890123456789,"a":[9007199254740993]}') as Record<string, unknown>;
    expect(jsonInteger(v.ns)).toBe(1795816412133449902n);
    expect(jsonInteger(v.neg)).toBe(-9223372036854775808n);
    expect(v.s).toBe('12345678901234567890');
    expect(typeof v.d).toBe('number');
    expect(jsonInteger((v.a as unknown[])[0])).toBe(9007199254740993n);
    expect(stringifyJson(v.a)).toBe('[9007199254740993]');
  });
});

describe('lossless JSON, digits inside strings', () => {
  it('never alters a string that looks like a long integer in value position', () => {
    const text = '{"a":"x:12345678901234567,y","b":[1,"[12345678901234567]"],"c":12345678901234567}';
    const v = parseJson(text) as Record<string, unknown>;
    expect(v.a).toBe('x:12345678901234567,y');
    expect(v.b).toEqual([1, '[12345678901234567]']);
    expect(jsonInteger(v.c)).toBe(12345678901234567n);
  });
});

describe('lossless JSON, layout', () => {
  it('finds long integers with whitespace around them and at the top level', () => {
    expect(jsonInteger(parseJson(' 12345678901234567890 '))).toBe(12345678901234567890n);
    const v = parseJson('{ "a" :\n 12345678901234567890 ,\t"b": [ -12345678901234567890 ] }') as { a: unknown; b: unknown[] };
    expect(jsonInteger(v.a)).toBe(12345678901234567890n);
    expect(jsonInteger(v.b[0])).toBe(-12345678901234567890n);
  });
});

describe('intervals under interval.handling.mode string', () => {
  it("writes Debezium's ISO 8601 form as PostgreSQL's postgres IntervalStyle prints the interval", () => {
    const cases: [string, string][] = [
      ['P1Y2M3DT4H5M6.789S', '1 year 2 mons 3 days 04:05:06.789'],
      ['P0Y0M0DT0H0M0S', '00:00:00'],
      ['P-178000000Y0M0DT0H0M0S', '-178000000 years'],
      ['P-1Y-2M0DT0H0M0S', '-1 years -2 mons'],
      ['P0Y13M1DT0H0M0S', '1 year 1 mon 1 day'],
      // A "+" after a negative part; the time part's sign is its own.
      ['P0Y0M-1DT2H0M0S', '-1 days +02:00:00'],
      ['P0Y0M1DT-1H0M0S', '1 day -01:00:00'],
      ['P0Y0M0DT-4H-5M-6.5S', '-04:05:06.5'],
      ['P0Y0M0DT100H0M0S', '100:00:00'],
      // The driver's seconds are a double: Debezium's 9 places are read to the nearest microsecond.
      ['P0Y-1M2DT0H0M-0.000000999S', '-1 mons +2 days -00:00:00.000001'],
      ['P0Y0M0DT0H0M59.999999999S', '00:01:00'],
    ];
    for (const [iso, text] of cases) expect(intervalText(iso), iso).toBe(text);
  });

  it('refuses another form, naming it', () => {
    for (const bad of ['PT1H', 'P1Y2M3D', '1 day', 'P1Y0M0DT0H0M0.5.5S']) expect(() => intervalText(bad), bad).toThrow(/not an ISO-8601 interval/);
  });
});
