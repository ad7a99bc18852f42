import { MemoryStore } from '../../src/state';
import { qaResultsContract } from './qa-results.contract';
import { recordingsContract } from './recordings.contract';
import { storeContract } from './store.contract';

storeContract('memory', async (ttls) => new MemoryStore(ttls));
qaResultsContract('memory', async (ttls) => new MemoryStore(ttls));
recordingsContract('memory', async (ttls) => new MemoryStore(ttls));
