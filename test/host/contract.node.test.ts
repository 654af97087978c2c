// The host contract, bound to the Node host and run under node:test.
import { test } from 'node:test';
import { contractCases } from './contract.cases';
import { createNodeHost } from '../../src/host/node';

const host = createNodeHost();
for (const [name, fn] of Object.entries(contractCases(host))) {
  test(`node host: ${name}`, async () => {
    await fn({ fixture: () => { throw new Error('no fixtures here'); } });
  });
}
