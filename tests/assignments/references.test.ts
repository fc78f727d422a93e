/**
 * The references of issue 5 have exactly the student exports: the compiler checks that each
 * satisfies its assignment's Contract, and this test that it exports nothing else.
 */
import * as autogradGraph from '../../reference/autograd-graph';
import * as backprop from '../../reference/backprop';
import * as momentumSgd from '../../reference/momentum-sgd';
import type { Contract as AutogradGraphContract } from '../../assignments/autograd-graph/contract';
import type { Contract as BackpropContract } from '../../assignments/backprop/contract';
import type { Contract as MomentumSgdContract } from '../../assignments/momentum-sgd/contract';

// Compile-time: `tsc -p .` fails here when a reference drifts from its contract.
const contracts: [AutogradGraphContract, BackpropContract, MomentumSgdContract] = [autogradGraph, backprop, momentumSgd];

describe('references export exactly the contract', () => {
  it.each([
    ['autograd-graph', contracts[0], ['f', 'gradF']],
    ['backprop', contracts[1], ['backward', 'forward']],
    ['momentum-sgd', contracts[2], ['minimize', 'momentumStep']],
  ] as const)('%s', (_id, module, names) => {
    const functions = Object.entries(module)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name)
      .sort();
    expect(functions).toEqual([...names]);
  });
});
