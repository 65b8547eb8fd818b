export { registerMcpServers } from './mcp-registration.ts';
export type { McpToolCaller, ToolNameCheck } from './tool-contracts.ts';
export type { DescribeTools, ToolReference } from './tool-references.ts';
export { registerTools } from './tool-registration.ts';
