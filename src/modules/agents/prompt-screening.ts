import { BadRequestError } from '../../platform/http/errors.ts';
import type { FieldChange } from './agent-versioning.ts';

export type ScreeningMode = 'block' | 'warn' | 'off';

export interface ScreeningFinding {
  rule: string;
  severity: 'block' | 'warn';
  field: string;
  excerpt: string;
  message: string;
}

interface Rule {
  id: string;
  severity: 'block' | 'warn';
  pattern: RegExp;
  message: string;
}

/**
 * Targeted rules (DESIGN section 7): instruction overrides and requests to reveal hidden
 * instructions or secrets block; weaker signals only warn. Ordinary words such as "password",
 * "SQL" or "delete" match nothing on their own.
 */
const rules: Rule[] = [
  {
    id: 'instruction_override',
    severity: 'block',
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions?|prompts?|rules|directions|guidelines|messages?)\b/i,
    message: 'tries to override earlier instructions',
  },
  {
    id: 'forget_everything',
    severity: 'block',
    pattern: /\bforget\s+(?:everything|all\s+(?:that|you(?:'ve| have)\s+been\s+told))\b/i,
    message: 'tries to erase earlier instructions',
  },
  {
    id: 'secret_exfiltration',
    severity: 'block',
    pattern:
      /\b(?:reveal|print|show|leak|expose|output|dump)\s+(?:all\s+|the\s+|your\s+|any\s+)*(?:(?:system|hidden|internal|secret|confidential)\s+)+(?:prompts?|instructions|secrets|keys|credentials|configuration)\b/i,
    message: 'asks the model to disclose hidden instructions or secrets',
  },
  {
    id: 'persona_hijack',
    severity: 'warn',
    pattern:
      /\byou\s+are\s+now\s+(?:a|an|in)\s+(?:hacker|attacker|jailbroken|unrestricted|unfiltered|evil|dan\b|developer\s+mode)/i,
    message: 'reassigns the agent to an unsafe persona',
  },
  {
    id: 'jailbreak_vocabulary',
    severity: 'warn',
    pattern:
      /\b(?:jailbreak|do\s+anything\s+now|developer\s+mode\s+enabled|without\s+any\s+(?:restrictions|filters|limits))\b/i,
    message: 'uses common jailbreak vocabulary',
  },
];

function excerptAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(text.length, index + length + 20);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

/** Findings for each text field given; empty when the mode is off. */
export function screenPromptFields(fields: Record<string, string>, mode: ScreeningMode): ScreeningFinding[] {
  if (mode === 'off') return [];
  const findings: ScreeningFinding[] = [];
  for (const [field, text] of Object.entries(fields)) {
    for (const rule of rules) {
      const match = rule.pattern.exec(text);
      if (!match) continue;
      findings.push({
        rule: rule.id,
        severity: mode === 'warn' ? 'warn' : rule.severity,
        field,
        excerpt: excerptAround(text, match.index, match[0].length),
        message: `${field} ${rule.message}`,
      });
    }
  }
  return findings;
}

/** Text that reaches the model's instructions, and so is screened for injection. */
const screenedFields = new Set([
  'role',
  'prompt',
  'initial_context',
  'initial_ai_msg',
  'suggestions_prompt',
  'identity.short_description',
  'identity.full_description',
  'identity.character_role',
  'identity.mission',
  'identity.interaction_style',
]);

/** The findings of a change's new instruction texts; a blocking one refuses it (400 prompt_rejected). */
export function screenChanges(changes: FieldChange[], mode: ScreeningMode): ScreeningFinding[] {
  const texts: Record<string, string> = {};
  for (const change of changes) {
    if (screenedFields.has(change.field) && typeof change.newValue === 'string')
      texts[change.field] = change.newValue;
  }
  const findings = screenPromptFields(texts, mode);
  const blocking = findings.filter((finding) => finding.severity === 'block');
  if (blocking.length > 0) {
    throw new BadRequestError(
      'prompt_rejected',
      `Prompt screening rejected the change: ${blocking[0]?.message}`,
      {
        findings,
      },
    );
  }
  return findings;
}
