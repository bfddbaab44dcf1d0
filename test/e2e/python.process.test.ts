import { describePython } from './python.ts';

describePython('process');
