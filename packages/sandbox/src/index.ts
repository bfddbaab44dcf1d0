export { sandboxedCommand, detectSandbox, type SandboxOptions, type SandboxSupport, type UnixUser } from './sandbox.ts';
export { createAppUsers, type AppUsers, type AppUsersOptions } from './app-users.ts';
