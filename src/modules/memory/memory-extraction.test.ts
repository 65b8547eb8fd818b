import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { generated } from '../../../test/support/answer-turn-harness.ts';
import type { AgentView } from '../agents/index.ts';
import type { ResolvedModel } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { createMemoryExtractor } from './memory-extraction.ts';
import { MEMORY_EXTRACTION_MARKER, readModelMemories } from './model-memory-extractor.ts';

const principal = { organizationId: 'org-1', role: 'org_admin', userId: null, apiKeyId: null } as Principal;
const agent = { id: 'agent-1' } as AgentView;
const exchange = { message: 'My name is Ada. I sit by the window.', answer: 'Noted, Ada.' };
const context = { runId: 'run-1', signal: new AbortController().signal };
type Provider = ResolvedModel['primary']['provider'];
const stub: Provider = { id: 'stub', name: 'Stub', type: 'openai_compatible' };
const offline: Provider = { id: 'offline', name: 'Offline', type: 'offline' };

function resolvedWith(model: MockLanguageModelV4, answeredBy = stub): ResolvedModel {
  const choice = { provider: stub, modelId: 'gpt-stub' };
  return {
    model,
    primary: choice,
    fallback: null,
    answered: () => ({ provider: answeredBy, modelId: 'gpt-stub' }),
    fallbackUsed: () => answeredBy !== stub,
    warnings: [],
  };
}

function extractorWith(resolved: ResolvedModel) {
  const warnings: unknown[] = [];
  const extract = createMemoryExtractor({
    resolveModel: async () => resolved,
    log: { warn: (...args: unknown[]) => void warnings.push(args) } as never,
  });
  return { extract, warnings };
}

const answerWith = (memories: unknown[]) => JSON.stringify({ memories });

describe("extraction with the agent's model", () => {
  it('asks the model for a memories object from the exchange and keeps what it lists', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: generated(
        answerWith([
          { kind: 'fact', content: "The user's name is Ada.", about_user: true, subject: 'Name' },
          { kind: 'preference', content: 'The user prefers window seats.', about_user: true, subject: null },
          { kind: 'fact', content: 'The user password is hunter2.', about_user: true, subject: null },
        ]),
      ),
    });
    const { extract, warnings } = extractorWith(resolvedWith(model));
    expect(await extract(principal, agent, exchange, context)).toEqual([
      { kind: 'fact', content: "The user's name is Ada.", aboutUser: true, subject: 'name' },
      { kind: 'preference', content: 'The user prefers window seats.', aboutUser: true, subject: null },
    ]);
    expect(warnings).toEqual([]);
    const [call] = model.doGenerateCalls;
    expect(call?.temperature).toBe(0);
    expect(call?.responseFormat).toMatchObject({ type: 'json' });
    expect(call?.prompt[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining(MEMORY_EXTRACTION_MARKER),
    });
    expect(call?.prompt[1]).toMatchObject({
      role: 'user',
      content: [
        { type: 'text', text: 'User: My name is Ada. I sit by the window.\n\nAssistant: Noted, Ada.' },
      ],
    });
  });

  it('falls back to the offline extraction (and says so) when the answer is not a memories object', async () => {
    for (const text of ['Sure! Ada likes windows.', answerWith([{ kind: 'mood', content: 'Happy' }])]) {
      const { extract, warnings } = extractorWith(
        resolvedWith(new MockLanguageModelV4({ doGenerate: generated(text) })),
      );
      expect(await extract(principal, agent, exchange, context)).toEqual([
        { kind: 'fact', content: "The user's name is Ada.", aboutUser: true, subject: 'name' },
      ]);
      expect(warnings).toHaveLength(1);
    }
  });

  it('extracts offline, without a call, when the agent uses the offline model or its offline fallback answered', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generated(answerWith([])) });
    const offlineAgent = {
      ...resolvedWith(model),
      primary: { provider: offline, modelId: 'agentry-offline' },
    };
    expect(await extractorWith(offlineAgent).extract(principal, agent, exchange, context)).toHaveLength(1);
    expect(model.doGenerateCalls).toHaveLength(0);
    expect(
      await extractorWith(resolvedWith(model, offline)).extract(principal, agent, exchange, context),
    ).toEqual([{ kind: 'fact', content: "The user's name is Ada.", aboutUser: true, subject: 'name' }]);
  });

  it('lets a failed model call fail the extraction (the job retries it)', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        throw new Error('The provider is down');
      },
    });
    await expect(
      extractorWith(resolvedWith(model)).extract(principal, agent, exchange, context),
    ).rejects.toThrow('The provider is down');
  });

  it('reads a memories object in a code fence, and bounds what it keeps', () => {
    const many = Array.from({ length: 10 }, (_, index) => ({
      kind: 'fact',
      content: `Fact number ${index}.`,
      about_user: false,
      subject: null,
    }));
    expect(readModelMemories(`\`\`\`json\n${answerWith(many)}\n\`\`\``)).toMatchObject({ ok: true });
    expect(readModelMemories(answerWith([...many, many[0]]))).toMatchObject({ ok: false });
    expect(
      readModelMemories(
        answerWith([{ kind: 'fact', content: 'x'.repeat(301), about_user: false, subject: null }]),
      ),
    ).toMatchObject({ ok: false });
  });
});
