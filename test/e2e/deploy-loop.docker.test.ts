import { requireDocker } from '../support/docker.ts';
import { describeDeployLoop } from './deploy-loop.ts';

requireDocker();
describeDeployLoop('docker');
