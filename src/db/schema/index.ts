export * from './audit';
export * from './outbox';
export * from './rbac';
export * from './tokens';
export * from './users';
export * from './mfa';
export * from './analytics';
export * from './organizations';
