import { desc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { devOutbox } from '../schema';

/** A message as the development notifier keeps it. */
export interface OutboxInput {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
}

export async function insertOutboxMessage(db: Db, message: OutboxInput, now: Date) {
  await db.insert(devOutbox).values({
    id: crypto.randomUUID(),
    channel: message.channel,
    to: message.to,
    subject: message.subject ?? null,
    body: message.text,
    createdAt: now,
  });
}

/** Messages sent to an address, newest first. */
export function listOutbox(db: Db, to: string, limit: number) {
  return db
    .select()
    .from(devOutbox)
    .where(eq(devOutbox.to, to))
    .orderBy(desc(devOutbox.createdAt))
    .limit(limit);
}
