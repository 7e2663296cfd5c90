import { type Static, Type } from 'typebox';
import { DURATION_PATTERN } from './key-expiry.js';
import { PERMISSIONS } from './permissions.js';

const projectId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'A project id (slug)' });

export const PermissionsInput = Type.Object(
  Object.fromEntries(PERMISSIONS.map((p) => [p, Type.Optional(Type.Boolean())])) as Record<
    (typeof PERMISSIONS)[number],
    ReturnType<typeof Type.Optional<ReturnType<typeof Type.Boolean>>>
  >,
  { additionalProperties: false, description: 'Permissions to grant; omitted ones are false' },
);

export const PermissionsView = Type.Object(
  Object.fromEntries(PERMISSIONS.map((p) => [p, Type.Boolean()])) as Record<
    (typeof PERMISSIONS)[number],
    ReturnType<typeof Type.Boolean>
  >,
);

// One line, not blank; other control characters are refused by the rule every text input follows
// (http/input-rules.ts).
const keyName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^(?=.*\\S)[^\\t\\n\\r]*$',
  description: 'Unique among live keys, whatever the case',
});
const tags = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 });
const rateLimit = Type.Integer({
  minimum: 1,
  maximum: 100_000_000,
  description: 'Requests per 15-minute window',
});
const duration = Type.String({ pattern: DURATION_PATTERN, description: 'A duration: 30m, 12h, 90d, 4w, 1y' });

export const CreateKeyBody = Type.Object(
  {
    name: keyName,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Optional(PermissionsInput),
    rateLimit: Type.Optional(rateLimit),
    expiresIn: Type.Optional(duration),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    allowedProjects: Type.Optional(Type.Array(projectId, { maxItems: 1000, uniqueItems: true })),
    tags: Type.Optional(tags),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'My App Key',
        description: 'API key for my application',
        permissions: { canReadProjects: true, canReadVersions: true, canCheckUpdates: true, canUseAI: true },
        rateLimit: 1000,
        expiresIn: '90d',
        allowedProjects: ['trackly'],
        tags: ['mobile-app', 'production'],
      },
    ],
  },
);
export type CreateKeyInput = Static<typeof CreateKeyBody>;

export const UpdateKeyBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Optional(PermissionsInput),
    rateLimit: Type.Optional(Type.Union([rateLimit, Type.Null()])),
    expiresIn: Type.Optional(duration),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    allowedProjects: Type.Optional(
      Type.Union([Type.Array(projectId, { maxItems: 1000, uniqueItems: true }), Type.Null()]),
    ),
    tags: Type.Optional(tags),
  },
  { additionalProperties: false, minProperties: 1, description: 'Fields to change; `null` clears a limit' },
);
export type UpdateKeyInput = Static<typeof UpdateKeyBody>;

export const RotateKeyBody = Type.Object(
  {
    gracePeriod: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description:
          'How long the old secret keeps working (never past the key expiry); immediate when omitted',
      }),
    ),
  },
  { additionalProperties: false },
);

const nullableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  key: Type.String({ description: 'Masked: prefix and first 8 characters' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  permissions: PermissionsView,
  rateLimit: Type.Union([Type.Integer(), Type.Null()], { description: 'null: the default limit' }),
  allowedProjects: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'null: every project',
  }),
  tags: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: nullableDate,
  lastUsedAt: nullableDate,
  revokedAt: nullableDate,
  createdBy: Type.String(),
});
export type KeyViewShape = Static<typeof KeyView>;

export const IssuedKeyResponse = Type.Object({
  message: Type.String(),
  key: Type.String({ description: 'The full key. Shown only in this response.' }),
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  permissions: PermissionsView,
  rateLimit: Type.Union([Type.Integer(), Type.Null()]),
  allowedProjects: Type.Union([Type.Array(Type.String()), Type.Null()]),
  tags: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: nullableDate,
  createdBy: Type.String(),
  previousKeyValidUntil: Type.Optional(nullableDate),
  warning: Type.String(),
});

const usageCounts = {
  requests: Type.Integer(),
  errors: Type.Integer(),
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
};

export const KeyStatsResponse = Type.Object({
  period: Type.Object({ from: Type.String(), to: Type.String() }),
  totals: Type.Object(usageCounts),
  keys: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      status: Type.String(),
      lastUsedAt: nullableDate,
      totals: Type.Object(usageCounts, { description: 'All time' }),
      daily: Type.Array(Type.Object({ date: Type.String(), ...usageCounts }), {
        description: 'The last 30 days',
      }),
    }),
  ),
});
export type KeyStats = Static<typeof KeyStatsResponse>;
