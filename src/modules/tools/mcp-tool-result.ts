import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { boundedJson } from '../../platform/text/bounded-json.ts';

const decodedBytes = (base64: string) => Buffer.byteLength(base64, 'base64');

/** One content item as text for a model: text as it is, anything else summarized. */
function describeContent(item: ContentBlock): string {
  switch (item.type) {
    case 'text':
      return item.text;
    case 'image':
    case 'audio':
      return `[${item.type}: ${item.mimeType}, ${decodedBytes(item.data)} bytes]`;
    case 'resource': {
      const { resource } = item;
      const kind = resource.mimeType ? `, ${resource.mimeType}` : '';
      return 'text' in resource
        ? `[resource ${resource.uri}${kind}]\n${resource.text}`
        : `[resource ${resource.uri}${kind}, ${decodedBytes(resource.blob)} bytes]`;
    }
    case 'resource_link':
      return `[resource link ${item.uri}${item.name ? ` (${item.name})` : ''}]`;
    default:
      return '[unsupported content]';
  }
}

/** The text of a result's content items, one after the other. */
export function contentText(result: Pick<CallToolResult, 'content'>): string {
  return (result.content ?? []).map(describeContent).join('\n');
}

/**
 * A successful MCP tool result as the model sees it: its structured content when it has some,
 * else the text of its content items (images and resources summarized), capped.
 */
export function toolResultValue(result: CallToolResult, maxBytes: number): unknown {
  const value = result.structuredContent ?? contentText(result);
  return boundedJson(value, maxBytes);
}
