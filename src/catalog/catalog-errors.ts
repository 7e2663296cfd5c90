/** The 404s of each catalog level, with details that help a client correct its request. */
import { AppError } from '../errors.js';

export function channelNotFound(
  projectId: string,
  channelId: string,
  available: readonly string[],
): AppError {
  return new AppError('CHANNEL_NOT_FOUND', `Channel '${channelId}' not found in project '${projectId}'`, {
    project: projectId,
    channel: channelId,
    available_channels: [...available],
  });
}

export function versionNotFound(projectId: string, channelId: string, version: string): AppError {
  return new AppError('VERSION_NOT_FOUND', `Version '${version}' not found in channel '${channelId}'`, {
    project: projectId,
    channel: channelId,
    version,
  });
}

export function buildNotFound(
  projectId: string,
  channelId: string,
  version: string,
  buildId: string,
  available: readonly string[],
): AppError {
  return new AppError('BUILD_NOT_FOUND', `Build '${buildId}' not found for version '${version}'`, {
    project: projectId,
    channel: channelId,
    version,
    build: buildId,
    available_builds: [...available],
  });
}
