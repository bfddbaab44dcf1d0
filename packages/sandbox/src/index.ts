export { sandboxedCommand, detectSandbox, type SandboxOptions, type SandboxSupport, type UnixUser } from './sandbox.ts';
