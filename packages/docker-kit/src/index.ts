export { dockerError, dockerStatus, isNotFound } from './docker-errors.ts';
export { attachedStdio, type AttachedStdio, type Demux } from './attach-stdio.ts';
export { demuxBuffer, sinceParam, splitTimestamp, type LogFrame } from './log-frames.ts';
export { removeContainerAndVolume, type ContainerVolumeRemover } from './remove-objects.ts';
