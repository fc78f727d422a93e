import { defineExampleVerdictTests } from './example-verdicts';

defineExampleVerdictTests(2, 2);
