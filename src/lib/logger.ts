/**
 * Structured JSON logs, one line per event, always carrying the request id. Fields whose names
 * suggest secrets are dropped, so a careless call cannot log a password or token.
 */
export type Logger = ReturnType<typeof createLogger>;

const SECRET_FIELD = /pass|token|secret|authorization|cookie|pepper|key|code|otp/i;

function clean(fields: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !SECRET_FIELD.test(k)));
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
