export * from './audit';
export * from './outbox';
export * from './rbac';
export * from './one-time-tokens';
export * from './users';
export * from './mfa';
export * from './analytics';
export * from './organizations';
