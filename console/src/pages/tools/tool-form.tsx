import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { CheckboxField, SelectField, TextArea, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { pretty, readJson } from './json-text.ts';
import { SyntaxNotice, useParsedSubmit } from './parsed-submit.tsx';

type Tool = Schema<'Tool'>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Creates an HTTP tool, or changes one. Secret headers are write-only: the API returns only their
 * names, so the field starts empty and is sent only when the person types new ones (or removes them).
 */
export function ToolForm({
  tool,
  onSaved,
  onCancel,
}: {
  tool?: Tool;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const http = tool?.http;
  const [name, setName] = useState(tool?.name ?? '');
  const [description, setDescription] = useState(tool?.description ?? '');
  const [method, setMethod] = useState<Method>(http?.method ?? 'GET');
  const [url, setUrl] = useState(http?.url_template ?? '');
  const [headers, setHeaders] = useState(pretty(http?.headers ?? {}));
  const [secretHeaders, setSecretHeaders] = useState('');
  const [removeSecrets, setRemoveSecrets] = useState(false);
  const [bodyTemplate, setBodyTemplate] = useState(http?.body_template ?? '');
  const [timeout, setTimeoutSeconds] = useState(http?.timeout_seconds ? String(http.timeout_seconds) : '');
  const [inputSchema, setInputSchema] = useState(
    pretty(tool?.input_schema ?? { type: 'object', properties: {} }),
  );
  const [enabled, setEnabled] = useState(tool?.enabled ?? true);

  const readFields = () => ({
    inputSchema: readJson('The input schema', inputSchema) as Record<string, unknown>,
    headers: readJson('The headers', headers) as Record<string, string>,
    secrets: secretHeaders.trim()
      ? (readJson('The secret headers', secretHeaders) as Record<string, string>)
      : undefined,
  });
  const save = useAction(async (fields: ReturnType<typeof readFields>) => {
    const common = { name, description, enabled, input_schema: fields.inputSchema };
    const request = {
      method,
      url_template: url,
      headers: fields.headers,
      body_template: bodyTemplate || null,
      timeout_seconds: timeout ? Number(timeout) : null,
    };
    const secrets = fields.secrets;
    if (tool) {
      await unwrap(
        api.PATCH('/api/v1/tools/{id}', {
          params: { path: { id: tool.id } },
          body: { ...common, http: { ...request, secret_headers: removeSecrets ? null : secrets } },
        }),
      );
    } else {
      await unwrap(
        api.POST('/api/v1/tools', {
          body: {
            ...common,
            kind: 'http',
            metadata: {},
            circuit_breaker_config: null,
            retry_config: null,
            http: { ...request, secret_headers: secrets ?? {}, max_response_bytes: 1_048_576 },
          },
        }),
      );
    }
    onSaved();
  });
  const error = save.error;
  const { syntax, onSubmit } = useParsedSubmit(readFields, save.run);

  return (
    <form
      className="resource-form"
      aria-label={tool ? `Edit tool ${tool.name}` : 'New HTTP tool'}
      onSubmit={onSubmit}
    >
      <div className="grid-2">
        <TextField
          label="Name"
          name="name"
          error={error}
          value={name}
          required
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label="Description"
          name="description"
          error={error}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
        <SelectField
          label="Method"
          name="http.method"
          error={error}
          value={method}
          options={METHODS.map((value) => ({ value, label: value }))}
          onChange={(event) => setMethod(event.target.value as Method)}
        />
        <TextField
          label="URL template"
          name="http.url_template"
          error={error}
          value={url}
          required
          hint="Absolute http(s) URL; {{argument}} placeholders are filled from the call"
          onChange={(event) => setUrl(event.target.value)}
        />
        <TextField
          label="Timeout (seconds)"
          name="http.timeout_seconds"
          error={error}
          type="number"
          min={1}
          value={timeout}
          hint="Empty: the server's default"
          onChange={(event) => setTimeoutSeconds(event.target.value)}
        />
      </div>
      <TextArea
        label="Headers (JSON)"
        name="http.headers"
        error={error}
        className="json-editor"
        rows={3}
        value={headers}
        onChange={(event) => setHeaders(event.target.value)}
      />
      <TextArea
        label="Secret headers (JSON, write-only)"
        name="http.secret_headers"
        error={error}
        className="json-editor"
        rows={2}
        autoComplete="off"
        value={secretHeaders}
        placeholder='{"Authorization": "Bearer …"}'
        hint={
          http?.secret_header_names.length
            ? `Set: ${http.secret_header_names.join(', ')}. Leave empty to keep them; new ones replace them all.`
            : 'Never shown again once saved.'
        }
        onChange={(event) => setSecretHeaders(event.target.value)}
      />
      {tool && http?.secret_header_names.length ? (
        <CheckboxField
          label="Remove the secret headers"
          name="remove_secret_headers"
          checked={removeSecrets}
          onChecked={setRemoveSecrets}
        />
      ) : null}
      <TextArea
        label="Body template (JSON with placeholders, optional)"
        name="http.body_template"
        error={error}
        className="json-editor"
        rows={3}
        value={bodyTemplate}
        onChange={(event) => setBodyTemplate(event.target.value)}
      />
      <TextArea
        label="Input schema (JSON Schema of the arguments)"
        name="input_schema"
        error={error}
        className="json-editor"
        rows={6}
        value={inputSchema}
        onChange={(event) => setInputSchema(event.target.value)}
      />
      <CheckboxField label="Enabled" name="enabled" checked={enabled} onChecked={setEnabled} />
      <SyntaxNotice message={syntax} />
      <ErrorNotice error={error} />
      <FormActions
        submitLabel={tool ? 'Save tool' : 'Create tool'}
        pending={save.pending}
        onCancel={onCancel}
      />
    </form>
  );
}
