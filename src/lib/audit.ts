import type { Context } from 'hono';
import { auditInsert, type AuditEntry } from '../db/queries/audit';
import type { AuditAction } from '../db/schema';
import type { AppEnv } from '../http/app-env';
import { deviceOf } from '../http/device';

/** An audit entry for this request: who, from where, which request, when. */
export function auditEntry(
  c: Context<AppEnv>,
  action: AuditAction,
  subject: { userId: string | null; actorId?: string | null; metadata?: Record<string, unknown> },
): AuditEntry {
  const { ip, userAgent } = deviceOf(c);
  return { ...subject, action, ip, userAgent, requestId: c.var.requestId, at: new Date() };
}

/**
 * Records an entry after the response is sent (waitUntil): auditing never delays or fails a
 * request; a failed write is logged.
 */
export function audit(
  c: Context<AppEnv>,
  action: AuditAction,
  subject: Parameters<typeof auditEntry>[2],
) {
  const entry = auditEntry(c, action, subject);
  c.executionCtx.waitUntil(
    auditInsert(c.var.db, entry).then(
      () => undefined,
      (err: unknown) => c.var.logger.error('audit write failed', { action, error: err }),
    ),
  );
}
