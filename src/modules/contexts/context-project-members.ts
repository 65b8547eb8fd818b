import type { ProjectMembers } from '../tenancy/index.ts';
import { countProjectContexts, releaseGoneProjectContexts } from './context-repository.ts';

/** Contexts of live agents keep their project from being deleted; those of deleted agents let go of it. */
export const contextProjectMembers: ProjectMembers = {
  resource: 'agent_contexts',
  countLive: countProjectContexts,
  releaseGone: releaseGoneProjectContexts,
};
