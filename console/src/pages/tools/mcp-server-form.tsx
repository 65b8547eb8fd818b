import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { CheckboxField, SelectField, TextArea, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { readJson } from './json-text.ts';
import { SyntaxNotice, useParsedSubmit } from './parsed-submit.tsx';

type McpServer = Schema<'McpServer'>;
type Transport = 'streamable_http' | 'stdio';
type AuthenticationChoice = 'keep' | 'none' | 'bearer' | 'headers';

/**
 * Registers an MCP server or changes one. Its credential is write-only: the API shows only its type
 * (and header names), so an edit keeps it unless the person chooses a new one.
 */
export function McpServerForm({
  server,
  onSaved,
  onCancel,
}: {
  server?: McpServer;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(server?.name ?? '');
  const [description, setDescription] = useState(server?.description ?? '');
  const [transport, setTransport] = useState<Transport>(server?.transport ?? 'streamable_http');
  const [endpoint, setEndpoint] = useState(server?.endpoint ?? '');
  const [command, setCommand] = useState(server?.command ?? '');
  const [args, setArgs] = useState((server?.args ?? []).join('\n'));
  const [authentication, setAuthentication] = useState<AuthenticationChoice>(server ? 'keep' : 'none');
  const [token, setToken] = useState('');
  const [headers, setHeaders] = useState('');
  const [healthCheckUrl, setHealthCheckUrl] = useState(server?.health_check_url ?? '');
  const [timeout, setTimeoutSeconds] = useState(
    server?.timeout_seconds ? String(server.timeout_seconds) : '',
  );
  const [enabled, setEnabled] = useState(server?.enabled ?? true);

  const readAuthentication = () => {
    if (authentication === 'keep') return undefined;
    if (authentication === 'bearer') return { type: 'bearer' as const, token };
    if (authentication === 'headers')
      return {
        type: 'headers' as const,
        headers: readJson('The headers', headers) as Record<string, string>,
      };
    return { type: 'none' as const };
  };
  const save = useAction(async (credential: ReturnType<typeof readAuthentication>) => {
    const body = {
      name,
      description: description || null,
      transport,
      ...(transport === 'stdio'
        ? {
            command,
            args: args
              .split('\n')
              .map((line) => line.trim())
              .filter(Boolean),
          }
        : { endpoint }),
      health_check_url: healthCheckUrl || null,
      timeout_seconds: timeout ? Number(timeout) : null,
      enabled,
      ...(credential ? { authentication: credential } : {}),
    };
    if (server)
      await unwrap(api.PATCH('/api/v1/mcp-servers/{id}', { params: { path: { id: server.id } }, body }));
    else await unwrap(api.POST('/api/v1/mcp-servers', { body }));
    onSaved();
  });
  const error = save.error;
  const { syntax, onSubmit } = useParsedSubmit(readAuthentication, save.run);

  return (
    <form
      className="resource-form"
      aria-label={server ? `Edit MCP server ${server.name}` : 'New MCP server'}
      onSubmit={onSubmit}
    >
      <div className="grid-2">
        <TextField
          label="Name"
          name="name"
          error={error}
          value={name}
          required
          hint="Prefixes its tools' names: <name>.<tool>"
          onChange={(event) => setName(event.target.value)}
        />
        <TextField
          label="Description"
          name="description"
          error={error}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
        <SelectField
          label="Transport"
          name="transport"
          error={error}
          value={transport}
          options={[
            { value: 'streamable_http', label: 'Streamable HTTP' },
            { value: 'stdio', label: 'Standard input/output (a command)' },
          ]}
          onChange={(event) => setTransport(event.target.value as Transport)}
        />
        {transport === 'streamable_http' ? (
          <TextField
            label="Endpoint"
            name="endpoint"
            error={error}
            type="url"
            value={endpoint}
            required
            onChange={(event) => setEndpoint(event.target.value)}
          />
        ) : (
          <TextField
            label="Command"
            name="command"
            error={error}
            value={command}
            required
            onChange={(event) => setCommand(event.target.value)}
          />
        )}
        {transport === 'stdio' ? (
          <TextArea
            label="Arguments (one a line)"
            name="args"
            error={error}
            rows={3}
            value={args}
            onChange={(event) => setArgs(event.target.value)}
          />
        ) : null}
        <SelectField
          label="Authentication"
          name="authentication"
          error={error}
          value={authentication}
          hint={server ? `Now: ${server.authentication.type}` : undefined}
          options={[
            ...(server ? [{ value: 'keep', label: 'Keep as it is' }] : []),
            { value: 'none', label: 'None' },
            { value: 'bearer', label: 'Bearer token' },
            { value: 'headers', label: 'Headers' },
          ]}
          onChange={(event) => setAuthentication(event.target.value as AuthenticationChoice)}
        />
        {authentication === 'bearer' ? (
          <TextField
            label="Token (write-only)"
            name="authentication.token"
            error={error}
            type="password"
            autoComplete="off"
            value={token}
            required
            onChange={(event) => setToken(event.target.value)}
          />
        ) : null}
        {authentication === 'headers' ? (
          <TextArea
            label="Headers (JSON, write-only)"
            name="authentication.headers"
            error={error}
            className="json-editor"
            rows={2}
            autoComplete="off"
            placeholder='{"X-Api-Key": "…"}'
            value={headers}
            onChange={(event) => setHeaders(event.target.value)}
          />
        ) : null}
        <TextField
          label="Health check URL (optional)"
          name="health_check_url"
          error={error}
          type="url"
          value={healthCheckUrl}
          onChange={(event) => setHealthCheckUrl(event.target.value)}
        />
        <TextField
          label="Timeout (seconds)"
          name="timeout_seconds"
          error={error}
          type="number"
          min={1}
          value={timeout}
          hint="Empty: the server's default"
          onChange={(event) => setTimeoutSeconds(event.target.value)}
        />
      </div>
      <CheckboxField label="Enabled" name="enabled" checked={enabled} onChecked={setEnabled} />
      <SyntaxNotice message={syntax} />
      <ErrorNotice error={error} />
      <FormActions
        submitLabel={server ? 'Save server' : 'Register server'}
        pending={save.pending}
        onCancel={onCancel}
      />
    </form>
  );
}
