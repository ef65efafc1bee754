import { describe, expect, it } from 'vitest';
import { TRIGGER_RULES, type TaskState, type TriggerRule } from '../../shared/pipeline/model';
import {
  describeSchedule,
  intervalStartingAt,
  intervalsEndingBetween,
  intervalsStartingBetween,
  latestCompleteInterval,
  nextRunAt,
  parsePipelineDate,
} from '../../shared/pipeline/schedule';
import { renderTemplate, runContext } from '../../shared/pipeline/template';
import { evaluateTriggerRule } from '../../shared/pipeline/trigger-rules';

const STATE: Record<string, TaskState> = {
  S: 'success',
  F: 'failed',
  U: 'upstream_failed',
  K: 'skipped',
  R: 'running',
  Y: 'up_for_retry',
  N: 'none',
};
const COMBOS = ['SS', 'SF', 'FF', 'SK', 'KK', 'SR', 'FR', 'KR', 'UU', 'FK', 'US', 'YS', 'NN'];
const OUT: Record<string, string> = { r: 'run', w: 'wait', s: 'skip', u: 'upstream_failed' };

/**
 * Expected outcome per rule, one letter per combination above (r run, w wait, s skip, u upstream_failed), worked
 * out from Airflow 3's TriggerRuleDep.
 */
const TABLE: Record<TriggerRule, string> = {
  all_success: 'ruusswusuuuww',
  all_failed: 'ssrssswsrsssw',
  all_done: 'rrrrrwwwrrrww',
  all_done_setup_success: 'rrrrrwwwrrrww',
  all_done_min_one_success: 'rrusswwsusrww',
  one_success: 'rrursrwwuurrw',
  one_failed: 'srrsswrwrrrww',
  one_done: 'rrrrsrrwsrrrw',
  none_failed: 'ruurrwuwuuuww',
  none_failed_min_one_success: 'ruurswuwuuuww',
  none_skipped: 'rrrsswwsrsrww',
  all_skipped: 'ssssrsswssssw',
  always: 'rrrrrrrrrrrrr',
};

describe('trigger rules', () => {
  it('covers every Airflow 3 rule', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...TRIGGER_RULES].sort());
    expect(TRIGGER_RULES).toHaveLength(13);
  });
  for (const rule of TRIGGER_RULES) {
    it(`${rule}: upstream states decide run, wait, skip or upstream_failed`, () => {
      const got = COMBOS.map((c) =>
        evaluateTriggerRule(
          rule,
          [...c].map((x) => STATE[x]),
        ),
      );
      const want = [...TABLE[rule]].map((x) => OUT[x]);
      expect(Object.fromEntries(COMBOS.map((c, i) => [c, got[i]]))).toEqual(
        Object.fromEntries(COMBOS.map((c, i) => [c, want[i]])),
      );
    });
  }
  it('a task without upstream tasks runs whatever its rule', () => {
    for (const rule of TRIGGER_RULES) expect(evaluateTriggerRule(rule, [])).toBe('run');
  });
});

const d = (s: string) => new Date(s);
const iv = (list: { start: Date; end: Date }[]) =>
  list.map((i) => `${i.start.toISOString()}/${i.end.toISOString()}`);

describe('data intervals', () => {
  const daily = { schedule: '@daily', start_date: '2026-01-01', timezone: 'UTC' };
  it('a daily run for an interval starts at its end; catchup creates every missed interval', () => {
    expect(iv(intervalsEndingBetween(daily, null, d('2026-01-04T05:00:00Z')))).toEqual([
      '2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z/2026-01-03T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z/2026-01-04T00:00:00.000Z',
    ]);
    expect(iv(intervalsEndingBetween(daily, d('2026-01-03T00:00:00Z'), d('2026-01-04T05:00:00Z')))).toEqual([
      '2026-01-03T00:00:00.000Z/2026-01-04T00:00:00.000Z',
    ]);
  });
  it('without catchup only the latest complete interval runs', () => {
    expect(latestCompleteInterval(daily, d('2026-01-04T05:00:00Z'))).toEqual({
      start: d('2026-01-03T00:00:00Z'),
      end: d('2026-01-04T00:00:00Z'),
    });
    expect(latestCompleteInterval(daily, d('2025-12-31T05:00:00Z'))).toBeNull();
    expect(nextRunAt(daily, d('2026-01-04T05:00:00Z'))).toEqual(d('2026-01-05T00:00:00Z'));
  });
  it('respects end_date', () => {
    const p = { ...daily, end_date: '2026-01-02' };
    expect(intervalsEndingBetween(p, null, d('2026-02-01T00:00:00Z'))).toHaveLength(2);
  });
  it('follows the timezone, across a daylight saving change', () => {
    const ny = { schedule: '0 0 * * *', start_date: '2026-03-07', timezone: 'America/New_York' };
    const list = intervalsEndingBetween(ny, null, d('2026-03-10T12:00:00Z'));
    expect(list[0].start.toISOString()).toBe('2026-03-07T05:00:00.000Z');
    expect(list.map((i) => (i.end.getTime() - i.start.getTime()) / 3_600_000)).toEqual([24, 23, 24]);
    expect(parsePipelineDate('2026-07-01T06:00', 'Europe/Paris').toISOString()).toBe(
      '2026-07-01T04:00:00.000Z',
    );
  });
  it('a logical date names the interval that starts there (backfill and --date)', () => {
    expect(intervalStartingAt({ schedule: '@weekly' }, d('2026-01-04T00:00:00Z'))).toEqual({
      start: d('2026-01-04T00:00:00Z'),
      end: d('2026-01-11T00:00:00Z'),
    });
    expect(
      iv(
        intervalsStartingBetween(
          { schedule: '@daily' },
          d('2026-01-01T00:00:00Z'),
          d('2026-01-03T00:00:00Z'),
        ),
      ),
    ).toHaveLength(3);
  });
  it('describes schedules in words', () => {
    expect(describeSchedule('@daily')).toBe('At 00:00');
    expect(describeSchedule('@once')).toBe('Once');
    expect(describeSchedule(null)).toBeNull();
  });
});

describe('templates', () => {
  const ctx = runContext({
    runId: 'r1',
    logicalDate: d('2026-01-03T00:00:00Z'),
    dataIntervalStart: d('2026-01-03T00:00:00Z'),
    dataIntervalEnd: d('2026-01-04T00:00:00Z'),
    params: { city: "O'Hare", n: 3 },
    outputs: { load: { rows: 42, first_row: { answer: 42 } } },
    pipelineId: 'p',
    taskId: 't',
    tryNumber: 1,
  });
  it('renders the run context, params and outputs', () => {
    expect(
      renderTemplate('{{ ds }} {{ds_nodash}} {{ data_interval_start }} {{ data_interval_end }}', ctx),
    ).toBe('2026-01-03 20260103 2026-01-03T00:00:00+00:00 2026-01-04T00:00:00+00:00');
    expect(
      renderTemplate('n={{ params.n }} rows={{ outputs.load.rows }} {{ outputs.load.first_row }}', ctx),
    ).toBe('n=3 rows=42 {"answer":42}');
  });
  it('quotes for SQL and the shell with filters', () => {
    expect(renderTemplate('WHERE city = {{ params.city | sql }}', ctx)).toBe("WHERE city = 'O''Hare'");
    expect(renderTemplate('echo {{ params.city | shell }}', ctx)).toBe(`echo 'O'\\''Hare'`);
  });
  it('refuses unknown names and anything that is not a name, without evaluating it', () => {
    expect(() => renderTemplate('{{ params.missing }}', ctx)).toThrow('params.missing is not defined');
    expect(() => renderTemplate('{{ outputs.clean }}', ctx)).toThrow(
      'outputs.clean is not defined (known here: load)',
    );
    expect(() => renderTemplate('{{ 1 + 1 }}', ctx)).toThrow('is not a name');
    expect(() => renderTemplate("{{ __import__('os') }}", ctx)).toThrow('is not a name');
    expect(() => renderTemplate('{{ ds', ctx)).toThrow('not closed');
    expect(() => renderTemplate('{{ ds | eval }}', ctx)).toThrow('unknown filter');
  });
});
