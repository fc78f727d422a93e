import { defineExampleVerdictTests } from './example-verdicts';

defineExampleVerdictTests(1, 2);
