import { describeOneOff } from './one-off.ts';

// Needs the Docker engine and the platform/stack image (scripts/install-docker.sh, scripts/build-stack-image.sh).
describeOneOff('docker');
