import { insertOutboxMessage } from '../../db/queries/outbox';
import type { Db } from '../../db/client';
import type { Provider } from './provider';

/** Development provider: keeps each message for GET /dev/outbox instead of sending it. */
export const outboxProvider = (db: Db, channel: 'email' | 'sms'): Provider => ({
  name: `${channel}:outbox`,
  send: (message) => insertOutboxMessage(db, message, new Date()),
});
