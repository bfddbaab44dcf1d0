import { describeCorpus } from './corpus.ts';

describeCorpus('process');
