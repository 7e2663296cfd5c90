import { AppError } from '../errors.js';
import { type Caller, canSeeProject } from './caller.js';

/**
 * A key restricted by `allowedProjects` that asks for another project gets the same 404 as for a
 * project that does not exist, so it cannot learn which projects exist.
 */
export function assertProjectVisible(
  caller: Caller,
  projectId: string,
  visibleProjectIds: () => string[],
): void {
  if (!canSeeProject(caller, projectId)) throw projectNotFound(caller, projectId, visibleProjectIds());
}

export function projectNotFound(caller: Caller, projectId: string, allProjectIds: string[]): AppError {
  return new AppError('PROJECT_NOT_FOUND', `Project '${projectId}' not found`, {
    project: projectId,
    available_projects: visibleProjects(caller, allProjectIds),
  });
}

export function visibleProjects(caller: Caller, projectIds: string[]): string[] {
  return projectIds.filter((id) => canSeeProject(caller, id));
}
