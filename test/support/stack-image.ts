/** The stack image docker tests build and run on (scripts/build-stack-image.sh makes it). No vitest import here: scripts use it too. */
export const STACK_IMAGE = 'platform/stack:bookworm-4';
