import { requireDocker } from '../support/docker.ts';
import { describeOneOff } from './one-off.ts';

requireDocker();
describeOneOff('docker');
