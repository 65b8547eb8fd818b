import { describe, expect, it } from 'vitest';
import { describeError } from '../../platform/http/error-description.ts';
import { parseStructuredAnswer, repairRequest, StructuredOutputError } from './structured-output.ts';

const schema = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'technical', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['category', 'confidence'],
  additionalProperties: false,
};

const valid = { category: 'billing', confidence: 0.9 };

describe('parseStructuredAnswer', () => {
  it('reads an answer that is only JSON', () => {
    expect(parseStructuredAnswer(` ${JSON.stringify(valid)}\n`, schema)).toEqual({ ok: true, value: valid });
  });

  it('looks through a code fence and through prose around the object', () => {
    const fenced = `Here you go:\n\`\`\`json\n${JSON.stringify(valid, null, 2)}\n\`\`\`\nAnything else?`;
    expect(parseStructuredAnswer(fenced, schema)).toEqual({ ok: true, value: valid });
    const bare = `\`\`\`\n${JSON.stringify(valid)}\n\`\`\``;
    expect(parseStructuredAnswer(bare, schema)).toEqual({ ok: true, value: valid });
    const prose = `The classification is ${JSON.stringify(valid)}, as requested.`;
    expect(parseStructuredAnswer(prose, schema)).toEqual({ ok: true, value: valid });
  });

  it('lists what does not match the schema', () => {
    expect(parseStructuredAnswer('{"category":"sales","confidence":2,"extra":true}', schema)).toEqual({
      ok: false,
      problems: expect.arrayContaining([
        "(root): must NOT have additional property 'extra'",
        '/category: must be one of "billing", "technical", "other"',
        '/confidence: must be <= 1',
      ]),
    });
    expect(parseStructuredAnswer('[1, 2]', schema)).toEqual({
      ok: false,
      problems: ['(root): must be object'],
    });
  });

  it('says when the answer is not JSON at all, or empty', () => {
    const result = parseStructuredAnswer('It is about billing, I think.', schema);
    expect(result).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^the answer is not valid JSON: .+/)],
    });
    const broken = parseStructuredAnswer('Sure: {"category": "billing", confidence: 0.9}', schema);
    expect(broken).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^the answer is not valid JSON: .*property name/)],
    });
    expect(parseStructuredAnswer('  ', schema)).toEqual({
      ok: false,
      problems: ['the answer is empty: a JSON object was expected'],
    });
  });
});

describe('repairRequest', () => {
  it('names the problems and asks for the corrected object only', () => {
    const text = repairRequest([
      '/confidence: must be <= 1',
      "(root): must have required property 'category'",
    ]);
    expect(text).toContain('did not match the required JSON Schema');
    expect(text).toContain('- /confidence: must be <= 1');
    expect(text).toContain("- (root): must have required property 'category'");
    expect(text).toContain('Reply with only the corrected JSON object');
  });

  it('keeps a long list of problems short', () => {
    const problems = Array.from({ length: 25 }, (_, index) => `/items/${index}: must be string`);
    const text = repairRequest(problems);
    expect(text).toContain('/items/19: must be string');
    expect(text).not.toContain('/items/20: must be string');
    expect(text).toContain('- and 5 more problems');
  });
});

describe('StructuredOutputError', () => {
  it('is a third-party 502 carrying the problems', () => {
    const cause = new Error('second answer');
    const error = new StructuredOutputError(['/confidence: must be <= 1'], cause);
    expect(error).toMatchObject({
      code: 'invalid_structured_output',
      status: 502,
      category: 'third_party',
      details: { problems: ['/confidence: must be <= 1'] },
      cause,
    });
    expect(describeError(error)).toMatchObject({
      status: 502,
      code: 'invalid_structured_output',
      details: { problems: ['/confidence: must be <= 1'] },
      log: 'error',
    });
  });
});
