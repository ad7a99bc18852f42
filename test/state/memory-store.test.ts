import { MemoryStore } from '../../src/state';
import { storeContract } from './store.contract';

storeContract('memory', async (ttls) => new MemoryStore(ttls));
