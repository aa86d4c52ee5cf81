import { z } from '@hono/zod-openapi';

/** `resource:action`, lower-case words or `*` (api.md "Roles and permissions"). */
export const PermissionSchema = z
  .string()
  .regex(
    /^(\*|[a-z][a-z0-9_]{0,63}):(\*|[a-z][a-z0-9_]{0,63})$/,
    'must be resource:action, e.g. dashboards:read',
  )
  .openapi({ example: 'dashboards:read' });

/** Whether any granted permission covers `resource:action`; `*` matches any part. */
export function permits(granted: readonly string[], resource: string, action: string): boolean {
  return granted.some((p) => {
    const [r, a] = p.split(':');
    return (r === '*' || r === resource) && (a === '*' || a === action);
  });
}

/** Admin routes need `admin_panel:admin` (the seeded admin role has `*:*`). */
export const isAdmin = (granted: readonly string[]) => permits(granted, 'admin_panel', 'admin');
