import { Link } from '../../router.tsx';

/** A link to a run's page, shown as its short id (the first eight characters, enough to tell runs apart). */
export function RunLink({ runId }: { runId: string }) {
  return (
    <Link to={`/runs/${runId}`}>
      <code>{runId.slice(0, 8)}</code>
    </Link>
  );
}
