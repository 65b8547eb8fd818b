import type { ProjectMembers } from '../tenancy/index.ts';
import { countProjectFiles } from './file-repository.ts';

/** A project's files keep it from being deleted. */
export const fileProjectMembers: ProjectMembers = { resource: 'files', countLive: countProjectFiles };
