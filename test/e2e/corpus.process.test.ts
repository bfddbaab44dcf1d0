import { describeCorpus } from './corpus.ts';

// Every app but those that deploy on the docker runtime only (Dockerfile deploys, which the process runtime refuses).
describeCorpus('process', (app) => app.manifest.dockerOnly === undefined);
