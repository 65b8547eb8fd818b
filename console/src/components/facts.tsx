import type { ReactNode } from 'react';
import './facts.css';

/** One term and its value in a definition list (`<dl className="facts">` or a page's own). */
export function Fact({ term, testId, children }: { term: string; testId?: string; children: ReactNode }) {
  return (
    <>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}
