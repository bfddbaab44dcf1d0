import { describeDeployLoop } from './deploy-loop.ts';

describeDeployLoop('process');
