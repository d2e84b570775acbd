import { describe, expect, it } from 'vitest';
import { cronProblem } from '../../config/cron.js';
import { problemsOf } from './config-hardening-base.js';

describe('schedule checks', () => {
  it.each([
    ['61 * * * *', /minute field "61" has 61, outside 0-59/],
    ['* 24 * * *', /hour field "24" has 24, outside 0-23/],
    ['0 0 0 * *', /day of month field "0" has 0, outside 1-31/],
    ['0 0 1 13 *', /month field "13" has 13, outside 1-12/],
    ['0 0 * * 8', /day of week field "8" has 8, outside 0-7/],
    ['*/0 * * * *', /minute field "\*\/0" has a step of 0/],
    ['10-5 * * * *', /range that runs backwards \(10-5\)/],
    ['0 0 31 2 *', /names no day that exists \(day 31 of month 2\)/],
    ['0 0 31 4,6,9,11 *', /names no day that exists/],
    ['0 0 30,31 2 *', /names no day that exists/],
    ['@every 0s', /interval above zero/],
    ['@every 0m', /interval above zero/],
    ['@every 9000h', /at most 366 days/],
    ['@every 10x', /whole number and a unit/],
    ['* * * *', /five fields/],
    ['a * * * *', /not a number/],
  ])('refuses %s', (schedule, message) => {
    expect(cronProblem(schedule)).toMatch(message);
  });

  it.each(['*/15 * * * *', '0 3 * * *', '0 3 1 1 *', '0 0 29 2 *', '0 0 31 1-12 *', '5,10-20/5 */2 * * 1-5', '0 0 * * 7', '@every 10m', '@every 1s', '@every 24h'])('accepts %s', (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });

  it('names the pipeline field that holds a schedule that never fires', () => {
    expect(problemsOf([['pipelines', 0, 'schedule'], '0 0 31 2 *'])).toEqual([expect.stringMatching(/^pipelines\[0\]\.schedule: expected a schedule that fires/)]);
    expect(problemsOf([['pipelines', 0, 'verify'], { schedule: '*/0 * * * *' }])).toEqual([expect.stringMatching(/^pipelines\[0\]\.verify\.schedule: .*step of 0/)]);
  });
});
