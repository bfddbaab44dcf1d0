export { dockerError, dockerStatus, isNotFound } from './docker-errors.ts';
export { attachedStdio, type AttachedStdio, type Demux } from './attach-stdio.ts';
export { createTimestampedFrames, demuxBuffer, sinceParam, splitTimestamp, type LogFrame, type TimestampedFrames } from './log-frames.ts';
export { removeContainerAndVolume, type ContainerVolumeRemover } from './remove-objects.ts';
export { ADDON_LABEL, containerLogTail, inspectAddonContainer, type AddonContainerState } from './addon-containers.ts';
