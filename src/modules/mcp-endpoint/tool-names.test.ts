import { describe, expect, it } from 'vitest';
import { askToolName, runToolName, slugOf, TOOL_NAME_MAX_LENGTH, uniqueNames } from './tool-names.ts';

const validName = /^[a-z0-9_]{1,64}$/;

describe('slugOf', () => {
  it('keeps lower-case letters, digits and single underscores', () => {
    expect(slugOf('Support Agent (EU) #2')).toBe('support_agent_eu_2');
    expect(slugOf('  --Café Crème--  ')).toBe('cafe_creme');
    expect(slugOf('already_a_slug')).toBe('already_a_slug');
  });

  it('gives a name with no Latin letter or digit a placeholder', () => {
    expect(slugOf('サポート')).toBe('agent');
    expect(slugOf('!!!')).toBe('agent');
  });
});

describe('tool names', () => {
  it('bounds ask_ names to 64 characters without a trailing underscore', () => {
    const name = askToolName(`${'a'.repeat(59)} b`);
    expect(name).toBe(`ask_${'a'.repeat(59)}`);
    expect(askToolName('x'.repeat(500))).toHaveLength(TOOL_NAME_MAX_LENGTH);
  });

  it('joins the task and the agent in run_ names, cutting the longer one first', () => {
    expect(runToolName('Classify Message', 'Support Agent')).toBe('run_classify_message_support_agent');
    const shortTask = runToolName('Triage', 'a'.repeat(100));
    expect(shortTask).toBe(`run_triage_${'a'.repeat(TOOL_NAME_MAX_LENGTH - 'run_triage_'.length)}`);
    const shortAgent = runToolName('t'.repeat(100), 'Bot');
    expect(shortAgent).toBe(`run_${'t'.repeat(TOOL_NAME_MAX_LENGTH - 'run__bot'.length)}_bot`);
    const bothLong = runToolName('t'.repeat(100), 'a'.repeat(100));
    expect(bothLong).toHaveLength(TOOL_NAME_MAX_LENGTH);
    expect(bothLong).toMatch(/^run_t+_a+$/);
    for (const name of [shortTask, shortAgent, bothLong]) expect(name).toMatch(validName);
  });
});

describe('uniqueNames', () => {
  const first = '01972fe7-a640-7c53-9128-c599a026d61e';
  const second = '01972fe7-b000-7c53-9128-0123456789ab';

  it('keeps the first namesake’s name and suffixes later ones with their id', () => {
    expect(
      uniqueNames([
        { name: 'ask_support', id: first },
        { name: 'ask_sales', id: second },
        { name: 'ask_support', id: second },
      ]),
    ).toEqual(['ask_support', 'ask_sales', 'ask_support_456789ab']);
  });

  it('stays within 64 characters, and uses the whole id when the short suffix is taken', () => {
    const long = `ask_${'a'.repeat(60)}`;
    const [kept, suffixed] = uniqueNames([
      { name: long, id: first },
      { name: long, id: second },
    ]);
    expect(kept).toBe(long);
    expect(suffixed).toBe(`ask_${'a'.repeat(51)}_456789ab`);
    expect(suffixed).toHaveLength(TOOL_NAME_MAX_LENGTH);

    const names = uniqueNames([
      { name: 'ask_x', id: first },
      { name: 'ask_x_456789ab', id: first },
      { name: 'ask_x', id: second },
    ]);
    expect(names).toEqual(['ask_x', 'ask_x_456789ab', `ask_x_${second.replaceAll('-', '')}`]);
    expect(new Set(names).size).toBe(names.length);
  });
});
