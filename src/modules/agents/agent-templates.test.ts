import { describe, expect, it } from 'vitest';
import { agentConfigSchema, defaultAgentConfig } from './agent-config.ts';
import { agentTemplates, findAgentTemplate, templateTag } from './agent-templates.ts';
import { applyConfigPatch } from './agent-versioning.ts';
import { screenPromptFields } from './prompt-screening.ts';

describe.each(
  agentTemplates.map((template) => [template.slug, template] as const),
)('the %s template', (slug, template) => {
  it('is a valid configuration over the defaults', () => {
    const result = agentConfigSchema.safeParse(applyConfigPatch(defaultAgentConfig, template.configuration));
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('names no model nor provider, so that it runs on the organization’s default or offline', () => {
    const { model, provider_id, fallback_provider_id, fallback_model } = template.configuration;
    expect({ model, provider_id, fallback_provider_id, fallback_model }).toEqual({
      model: null,
      provider_id: undefined,
      fallback_provider_id: undefined,
      fallback_model: undefined,
    });
  });

  it('passes prompt screening where it blocks', () => {
    const { prompt, role, identity } = template.configuration;
    const texts = { prompt: prompt ?? '', role: role ?? '', ...identity };
    expect(screenPromptFields(texts, 'block')).toEqual([]);
  });

  it('is found by its slug, and its tag names it', () => {
    expect(findAgentTemplate(slug)).toBe(template);
    expect(templateTag(slug)).toBe(`template:${slug}`);
  });
});
