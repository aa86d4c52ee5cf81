/**
 * Structured JSON logs, one line per event, always carrying the request id. Fields whose names
 * suggest secrets are dropped, so a careless call cannot log a password or token; errors are
 * described without their query parameters (see describeError).
 */
export type Logger = ReturnType<typeof createLogger>;

/** Field names that suggest a secret: dropped from logs, refused in analytics properties. */
export const SECRET_FIELD = /pass|token|secret|authorization|cookie|pepper|key|code|otp/i;

/**
 * An error for the logs: its name, the innermost driver message and the stack frames. drizzle's
 * DrizzleQueryError puts the statement's parameters (password hashes, outbox bodies with reset
 * links) into its message and its stack's first line, so neither is logged; its cause, the
 * driver's own message, names the failure without the values.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Only the frames: the stack's head repeats the message, which can span lines.
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  const fromQuery = err.name === 'DrizzleQueryError' || err.message.startsWith('Failed query:');
  const message = fromQuery
    ? `query failed: ${err.cause instanceof Error ? err.cause.message : 'unknown cause'}`
    : err.message;
  return `${err.name}: ${message}${frames ? `\n${frames}` : ''}`;
}

function clean(fields: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([k]) => !SECRET_FIELD.test(k))
      .map(([k, v]) => [k, v instanceof Error ? describeError(v) : v]),
  );
}

export function createLogger(requestId: string) {
  const write = (
    level: 'info' | 'warn' | 'error',
    msg: string,
    fields: Record<string, unknown> = {},
  ) => {
    const line = JSON.stringify({
      level,
      msg,
      request_id: requestId,
      time: new Date().toISOString(),
      ...clean(fields),
    });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  };
  return {
    info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
    warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
    error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
  };
}
