/** Path and query schemas of the native updater feeds, and the header that picks keyed or public. */
import { Type } from 'typebox';
import { clientId } from '../updates-schemas.js';
import { ELECTRON_ARCHES, ELECTRON_PLATFORMS, TAURI_ARCHES, TAURI_TARGETS } from './feed-builds.js';

const slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const currentVersion = Type.String({ minLength: 1, maxLength: 128, description: 'The installed version' });
const oneOf = (values: object, description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: Object.keys(values), description });

export const TauriParams = Type.Object({
  projectId: slug,
  channelId: slug,
  target: oneOf(TAURI_TARGETS, 'Tauri `{{target}}`: darwin, windows or linux'),
  arch: oneOf(TAURI_ARCHES, 'Tauri `{{arch}}`: x86_64, aarch64 or i686 (armv7 and riscv64 always get 204)'),
  currentVersion,
});

export const ElectronParams = Type.Object({
  projectId: slug,
  channelId: slug,
  platform: oneOf(ELECTRON_PLATFORMS, '`process.platform`: darwin, win32 or linux'),
  arch: oneOf(ELECTRON_ARCHES, '`process.arch`: x64, arm64 or ia32'),
  currentVersion,
});

export const ReleasesParams = Type.Object({
  projectId: slug,
  channelId: slug,
  arch: oneOf(ELECTRON_ARCHES, '`process.arch`: x64, arm64 or ia32'),
});

export const YmlParams = Type.Object({
  projectId: slug,
  channelId: slug,
  file: Type.String({
    pattern: '^[a-z0-9-]+\\.yml$',
    description: '`latest.yml`, `latest-mac.yml`, `latest-linux.yml`, with `-arm64` variants',
  }),
});

export const ChannelFeedParams = Type.Object({ projectId: slug, channelId: slug });

/**
 * Updater clients add parameters of their own (Squirrel.Windows `id`/`localVersion`/`arch`,
 * electron-updater `noCache`, Sparkle's system profile): they are accepted and ignored.
 */
export const FeedQuery = Type.Object({ client_id: Type.Optional(clientId) }, { additionalProperties: true });

export const SparkleQuery = Type.Object(
  {
    client_id: Type.Optional(clientId),
    architecture: Type.Optional(
      Type.Unsafe<string>({
        type: 'string',
        enum: ['universal', 'x64', 'arm64'],
        default: 'universal',
        description: 'Which macOS build to list: a universal one, or the one for this architecture',
      }),
    ),
  },
  { additionalProperties: true },
);

export const TauriUpdateResponse = Type.Object({
  version: Type.String(),
  url: Type.String(),
  signature: Type.String(),
  notes: Type.String(),
  pub_date: Type.String({ format: 'date-time' }),
});

export const ElectronUpdateResponse = Type.Object({
  url: Type.String(),
  name: Type.String(),
  notes: Type.String(),
  pub_date: Type.String({ format: 'date-time' }),
});

export const UpToDate = Type.Null({ description: 'No update for this client' });
