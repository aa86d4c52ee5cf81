export * from './audit';
export * from './rbac';
export * from './users';
