import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useSignedIn } from '../../auth/session.tsx';

export type ChangedBy = (userId: string | null, apiKeyId: string | null) => string;

/**
 * Names who made a change. Members' names come from the members list, which only some roles may
 * read: for the others a change shows the member's id, so a refused list is not an error here.
 */
export function useChangedBy(): ChangedBy {
  const session = useSignedIn();
  const members = useApi(
    () => unwrap(api.GET('/api/v1/users', { params: { query: { limit: 200 } } })).catch(() => [] as never[]),
    [],
  );
  const names = new Map((members.data ?? []).map((member) => [member.id, member.full_name]));
  names.set(session.user.id, session.user.full_name);
  return (userId, apiKeyId) => {
    if (userId) return names.get(userId) ?? `member ${userId.slice(-8)}`;
    if (apiKeyId) return `API key ${apiKeyId.slice(-8)}`;
    return 'the system';
  };
}
