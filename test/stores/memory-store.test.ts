import { memoryStore } from '../../src/index.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('memory', () => memoryStore());
