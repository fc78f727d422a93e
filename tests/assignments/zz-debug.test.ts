import * as fs from 'node:fs';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
it('debug', async () => {
  for (const id of ['mnist-test-loop', 'mnist-cnn']) {
    const a = getAssignment(id);
    const ex = listExamples(a).find((e) => e.name === 'correct')!;
    const root = exampleAsSubmission(a, ex);
    const r = await gradeAssignment({ assignment: a, submissionDir: root, backend: 'wasm' });
    fs.rmSync(root, { recursive: true, force: true });
    console.log(id, r.status, r.output, r.tests.map((t) => `${t.name}: ${t.status} ${t.output.slice(0, 1500)}`).join('\n'));
  }
}, 300000);
