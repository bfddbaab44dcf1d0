import { describeOwnNode } from './nodejs-runtime.ts';

describeOwnNode('docker');
