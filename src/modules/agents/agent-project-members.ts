import type { ProjectMembers } from '../tenancy/index.ts';
import { countProjectAgents, releaseDeletedProjectAgents } from './agent-repository.ts';

/** Live agents keep their project from being deleted; deleted ones let go of it. */
export const agentProjectMembers: ProjectMembers = {
  resource: 'agents',
  countLive: countProjectAgents,
  releaseGone: releaseDeletedProjectAgents,
};
