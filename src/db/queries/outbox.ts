import { desc, eq } from 'drizzle-orm';
import type { Message } from '../../lib/providers/provider';
import type { Db } from '../client';
import { devOutbox } from '../schema';

export async function insertOutboxMessage(db: Db, message: Message, now: Date) {
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
