import { describe, expect, it } from 'vitest';
import { assignToolNames, plainToolName } from './mcp-tool-names.ts';

describe('MCP tool names', () => {
  it('namespaces a safe name as server.tool', () => {
    expect(plainToolName('github', 'search_issues')).toBe('github.search_issues');
    expect(plainToolName('fs', 'read-file.v2')).toBe('fs.read-file.v2');
  });

  it('makes a stable safe form of names with other characters or past 64 characters', () => {
    const spaced = plainToolName('files', 'read file/❤');
    expect(spaced).toMatch(/^files\.read_file__+_[0-9a-f]{8}$/);
    expect(plainToolName('files', 'read file/❤')).toBe(spaced);
    expect(plainToolName('files', 'read file/x')).not.toBe(spaced);
    const long = plainToolName('a'.repeat(32), 'b'.repeat(60));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^a{32}\.b+_[0-9a-f]{8}$/);
  });

  it('keeps names apart in any case, whatever order the server lists them', () => {
    const names = assignToolNames('srv', ['add', 'Add', 'echo'], new Set(['srv.echo']));
    expect(names.get('Add')).toBe('srv.Add');
    expect(names.get('add')).toMatch(/^srv\.add_[0-9a-f]{8}$/);
    expect(names.get('echo')).toMatch(/^srv\.echo_[0-9a-f]{8}$/);
    expect(assignToolNames('srv', ['echo', 'Add', 'add'], new Set(['srv.echo']))).toEqual(names);
  });
});
