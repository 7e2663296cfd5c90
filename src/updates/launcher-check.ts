/**
 * `POST /update/check`: one request for a launcher and everything it installed. The launcher's own
 * update comes from the project configured as the launcher; each installed item is checked like
 * `GET …/update` on the client's os/architecture. A failing item (unknown or forbidden project,
 * unknown channel, invalid version) becomes an entry with an `error` object rather than failing the
 * request, so that one stale item never hides the others' updates.
 */
import { AppError } from '../errors.js';
import type { Caller } from '../keys/caller.js';
import { launcherUpdate, projectUpdateEntry } from './update-views.js';
import type { LauncherCheckInput, LauncherUpdateShape, ProjectUpdateEntryShape } from './updates-schemas.js';
import type { UpdatesService } from './updates-service.js';

const DEFAULT_CHANNEL = 'stable';

function entryError(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  throw error;
}

export async function checkLauncher(
  updates: UpdatesService,
  caller: Caller,
  input: LauncherCheckInput,
  clientId: string | undefined,
  base: string,
) {
  const { os, architecture, launcher_version } = input.client;

  let launcher: LauncherUpdateShape;
  try {
    const index = await updates.launcherChannel(input.client.channel ?? DEFAULT_CHANNEL);
    const { current, resolution } = updates.resolve(
      updates.check(index, os, architecture, clientId),
      launcher_version,
      'client.launcher_version',
    );
    launcher = launcherUpdate(
      current,
      resolution,
      os,
      architecture,
      updates.links(base, caller, index.project),
    );
  } catch (error) {
    launcher = { available: false, current: launcher_version, latest: null, error: entryError(error) };
  }

  const projectUpdates: ProjectUpdateEntryShape[] = [];
  for (const item of input.installed) {
    try {
      const index = await updates.visibleChannel(caller, item.project_id, item.channel ?? DEFAULT_CHANNEL);
      const { current, resolution } = updates.resolve(
        updates.check(index, os, architecture, clientId),
        item.version,
        'version',
      );
      const links = updates.links(base, caller, index.project);
      projectUpdates.push(projectUpdateEntry(item.project_id, current, resolution, os, architecture, links));
    } catch (error) {
      projectUpdates.push({
        project_id: item.project_id,
        update_available: false,
        current_version: item.version,
        error: entryError(error),
      });
    }
  }

  return {
    updates_available: launcher.available || projectUpdates.some((entry) => entry.update_available),
    launcher_update: launcher,
    project_updates: projectUpdates,
  };
}
