import { describe, expect, it } from 'vitest';
import { toTurnConversation } from './openai-messages.ts';
import { type ChatMessage, chatMessage } from './openai-schemas.ts';

const messages = (...items: unknown[]): ChatMessage[] => items.map((item) => chatMessage.parse(item));

describe('toTurnConversation', () => {
  it('answers the last user message; everything before it, system messages included, is the history', () => {
    expect(
      toTurnConversation(
        messages(
          { role: 'developer', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'One' },
              { type: 'text', text: 'Two' },
            ],
          },
          { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
          { role: 'user', content: 'Three', name: 'alice' },
          { role: 'system', content: 'A late instruction.' },
        ),
      ),
    ).toEqual({
      message: 'Three',
      history: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'One\nTwo' },
        { role: 'assistant', content: 'I cannot.' },
        { role: 'system', content: 'A late instruction.' },
      ],
    });
  });

  it('gives the model a client-side tool exchange as text', () => {
    const conversation = toTurnConversation(
      messages(
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"clear"}' },
      ),
    );
    expect(conversation).toEqual({
      message: '[tool result call_1]\n{"sky":"clear"}',
      history: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '[tool call call_1: weather({"city":"Paris"})]' },
      ],
    });
  });

  it('refuses a conversation that ends with the assistant, has nothing to answer, or holds an image', () => {
    expect(() =>
      toTurnConversation(messages({ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' })),
    ).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_messages',
        details: { param: 'messages[1].role' },
      }),
    );
    expect(() => toTurnConversation(messages({ role: 'system', content: 'Only instructions' }))).toThrow(
      expect.objectContaining({ code: 'invalid_messages', details: { param: 'messages' } }),
    );
    expect(() => toTurnConversation(messages({ role: 'user', content: '  ' }))).toThrow(
      expect.objectContaining({ details: { param: 'messages[0].content' } }),
    );
    expect(() =>
      toTurnConversation(
        messages({
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
        }),
      ),
    ).toThrow(
      expect.objectContaining({ code: 'unsupported_content', details: { param: 'messages[0].content[0]' } }),
    );
  });
});
