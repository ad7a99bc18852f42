import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiDocuments } from './documents';
import { generatedFiles } from './generate';

/**
 * `npm run generate:client`: writes packages/client/src/generated/ from the server's
 * /api/openapi.json and /api/asyncapi.json (a server started on a free port for the purpose).
 */
const OUT = path.resolve(__dirname, '../../packages/client/src/generated');

void (async () => {
  const { openApi, asyncApi } = await apiDocuments();
  mkdirSync(OUT, { recursive: true });
  for (const [name, text] of Object.entries(await generatedFiles(openApi, asyncApi))) {
    writeFileSync(path.join(OUT, name), text);
    console.log(`wrote packages/client/src/generated/${name}`);
  }
})();
