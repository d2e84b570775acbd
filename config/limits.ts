// Upper bounds for the config: a value past these is a typo or a unit mix-up (ms for s, bytes
// for MB), and a config file past MAX_CONFIG_BYTES is refused before it is read into memory.
import { z } from 'zod';
import { endpointProblem, hostProblem, tagProblem } from './credentials.js';

/** A config file larger than this is refused unread (the largest real ones are a few hundred KB). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export const HOUR = 3600;
export const DAY = 24 * HOUR;

/** Text of 1 to `max` characters. */
export const text = (what: string, max: number) =>
  z
    .string({ error: `expected ${what} (text)` })
    .min(1, `expected ${what}, got empty text`)
    .max(max, `expected ${what} of at most ${max} characters`);

/** A whole number from `min` to `max`, with both bounds in the message. */
export const count = (what: string, min: number, max: number) =>
  z
    .number({ error: `expected ${what} (a number)` })
    .int(`expected a whole number of ${what}`)
    .min(min, `expected ${what} between ${min} and ${max}`)
    .max(max, `expected ${what} between ${min} and ${max}`);

/** A host name or address; credentials in it are refused with where they belong. */
export const host = (home: string) =>
  text('a host name', 253).superRefine((h, ctx) => {
    const problem = hostProblem(h, home);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An S3-compatible endpoint URL without credentials. */
export const endpoint = z.url({ error: 'expected an endpoint URL like "http://127.0.0.1:59000"' }).max(2048, 'expected an endpoint URL of at most 2048 characters').superRefine((u, ctx) => {
  const problem = endpointProblem(u);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Metrics tags: bounded names and values (DogStatsD cuts a tag at 200 characters), no credentials. */
export const tags = z
  .record(text('a tag name', 100), z.string({ error: 'expected tags as a map of text values' }).max(200, 'expected a tag value of at most 200 characters'), { error: 'expected tags as a map of text values' })
  .superRefine((t, ctx) => {
    for (const [name, value] of Object.entries(t)) {
      const problem = tagProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  });
