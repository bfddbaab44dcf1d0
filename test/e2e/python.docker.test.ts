import { requireDocker } from '../support/docker.ts';
import { describePython } from './python.ts';

requireDocker();
describePython('docker');
