import { describeOneOff } from './one-off.ts';

describeOneOff('process');
