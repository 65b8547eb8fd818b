import type { ProjectMembers } from '../tenancy/index.ts';
import { countProjectSessions, releaseDeletedProjectSessions } from './session-repository.ts';

/** Live sessions keep their project from being deleted; deleted ones let go of it. */
export const sessionProjectMembers: ProjectMembers = {
  resource: 'sessions',
  countLive: countProjectSessions,
  releaseGone: releaseDeletedProjectSessions,
};
