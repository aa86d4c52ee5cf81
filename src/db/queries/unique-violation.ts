/**
 * Which unique index a failed write hit, if any. SQLite reports "UNIQUE constraint failed:
 * table.column"; drizzle wraps the driver error, so the cause chain is searched.
 */
export function uniqueViolation(err: unknown): string | null {
  for (let e = err; e instanceof Error; e = e.cause) {
    const match = /UNIQUE constraint failed: ([\w.]+)/.exec(e.message);
    if (match) return match[1]!;
  }
  return null;
}

/** Whether a failed write broke a foreign key (its parent row is gone). */
export function foreignKeyViolation(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (/FOREIGN KEY constraint failed/.test(e.message)) return true;
  }
  return false;
}
