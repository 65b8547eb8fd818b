import { type ReactNode, useEffect } from 'react';
import type { ApiError } from '../api/api-error.ts';
import { ErrorNotice } from './error-notice.tsx';

/** A page's heading, its actions, and its body; the heading names the document too. */
export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · Agentry`;
  }, [title]);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{title}</h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" aria-live="polite">
      {what}…
    </p>
  );
}

/** A detail page before its record has loaded: the load's error, or that it is still loading. */
export function PageLoading({
  title,
  error,
  loading,
  what,
}: {
  title: string;
  error: ApiError | null;
  loading: boolean;
  what: string;
}) {
  return (
    <Page title={title}>
      <ErrorNotice error={error} />
      {loading ? <Loading what={what} /> : null}
    </Page>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A date as the person's locale writes it. */
export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at}>{date.toLocaleString()}</time>;
}
