import { requireDocker } from '../support/docker.ts';
import { describeCorpus } from './corpus.ts';

requireDocker();
// The representative subset: the apps whose manifest says `"docker": true`.
describeCorpus('docker', (app) => app.manifest.docker === true);
