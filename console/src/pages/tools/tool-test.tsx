import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextArea } from '../../components/fields.tsx';
import { pretty, readJson } from './json-text.ts';
import { SyntaxNotice, useParsedSubmit } from './parsed-submit.tsx';

type Tool = Schema<'Tool'>;
type TestResult = Schema<'ToolTestResult'>;

/** Runs a tool once with arguments the person writes, and shows what the model would read. */
export function ToolTest({ tool }: { tool: Tool }) {
  const [text, setText] = useState('{}');
  const [result, setResult] = useState<TestResult | null>(null);
  const test = useAction(async (args: Record<string, unknown>) => {
    setResult(null);
    setResult(
      await unwrap(
        api.POST('/api/v1/tools/{id}/test', { params: { path: { id: tool.id } }, body: { arguments: args } }),
      ),
    );
  });
  const { syntax, onSubmit } = useParsedSubmit(
    () => readJson('The arguments', text) as Record<string, unknown>,
    test.run,
  );
  return (
    <form className="resource-form" aria-label={`Test tool ${tool.name}`} onSubmit={onSubmit}>
      <TextArea
        label={`Arguments for ${tool.name} (JSON)`}
        name="arguments"
        error={test.error}
        className="json-editor"
        rows={3}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <SyntaxNotice message={syntax} />
      <ErrorNotice error={test.error} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={test.pending}>
          Run test
        </button>
      </div>
      <div aria-live="polite" data-testid="tool-test-result">
        {test.pending ? <p className="muted">Running…</p> : null}
        {result ? (
          <>
            <p>
              <span className={`badge ${result.success ? 'ok' : 'bad'}`}>
                {result.success ? 'Succeeded' : 'Failed'}
              </span>{' '}
              <span className="muted">in {result.duration_ms} ms</span>
            </p>
            {result.error ? <p>{result.error}</p> : null}
            {result.result !== undefined ? (
              <pre className="json-document">{pretty(result.result)}</pre>
            ) : null}
          </>
        ) : null}
      </div>
    </form>
  );
}
