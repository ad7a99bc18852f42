import { MemoryStore } from '../../src/state';
import { qaResultsContract } from './qa-results.contract';
import { sessionsContract } from './sessions.contract';
import { uploadsContract } from './uploads.contract';
import { commandsContract } from './commands.contract';
import { timelineContract } from './timeline.contract';
import { alarmsContract } from './alarms.contract';
import { recordingsContract } from './recordings.contract';
import { storeContract } from './store.contract';

storeContract('memory', async (ttls) => new MemoryStore(ttls));
sessionsContract('memory', async (ttls) => new MemoryStore(ttls));
uploadsContract('memory', async (ttls) => new MemoryStore(ttls));
qaResultsContract('memory', async (ttls) => new MemoryStore(ttls));
commandsContract('memory', async (ttls) => new MemoryStore(ttls));
timelineContract('memory', async (ttls) => new MemoryStore(ttls));
alarmsContract('memory', async (ttls) => new MemoryStore(ttls));
recordingsContract('memory', async (ttls) => new MemoryStore(ttls));
