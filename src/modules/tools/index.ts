export { registerMcpServers } from './mcp-registration.ts';
export type { McpToolCaller, ToolNameCheck } from './tool-contracts.ts';
export { registerTools } from './tool-registration.ts';
