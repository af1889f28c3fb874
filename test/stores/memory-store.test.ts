// npm test: the store conformance suite on the memory store; milliseconds.
import { memoryStore } from '../../src/index.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('memory', () => memoryStore());
