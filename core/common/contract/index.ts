export * from './api.ts';
export * from './bridge.ts';
export * from './commands.ts';
export * from './electron-ipc.ts';
export * from './error-codes.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './shared-schemas.ts';
