import { describe, expect, it } from 'vitest';
import { toolResultValue } from './mcp-tool-result.ts';

describe('MCP tool results', () => {
  it('prefers structured content, else joins the content items with others summarized', () => {
    expect(
      toolResultValue({ content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } }, 1_024),
    ).toEqual({
      sum: 5,
    });
    expect(
      toolResultValue(
        {
          content: [
            { type: 'text', text: 'one' },
            { type: 'audio', data: Buffer.from('abcd').toString('base64'), mimeType: 'audio/wav' },
            { type: 'resource', resource: { uri: 'blob://x', blob: Buffer.from('12').toString('base64') } },
            { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt' },
          ],
        },
        1_024,
      ),
    ).toBe(
      'one\n[audio: audio/wav, 4 bytes]\n[resource blob://x, 2 bytes]\n[resource link file:///a.txt (a.txt)]',
    );
  });
});
