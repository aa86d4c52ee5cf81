import { app } from './app';
import type { Bindings } from './types';

export { SessionStore } from './durable-objects/session-store';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
