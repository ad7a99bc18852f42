import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter, type SchemaElement, type ColumnSource, type Writer } from 'hyparquet-writer';
import type { ObjectStorage } from '../storage';

/** The parquet schema hyparquet-writer takes (the format's SchemaElement list, root first). */
export type ParquetSchema = SchemaElement[];
export type ParquetColumns = ColumnSource[];

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
/** Who wrote the files, in their footer; fixed, so a build's bytes depend on its input alone. */
const CREATED_BY = 'capture-backend datasets (hyparquet-writer)';

/**
 * Writes one Parquet file into storage as it is encoded: each row group is
 * handed to storage's streaming put as soon as hyparquet-writer has encoded
 * it, and the next waits for the stream to drain, so memory is one row group
 * whatever the file's size. The object appears whole when the put completes.
 * With `discard`, the same bytes are encoded and thrown away (a step resumed
 * after its file was stored still computes what it computed from the rows).
 */
export async function writeParquet(
  target: { storage: ObjectStorage; key: string } | 'discard',
  schema: ParquetSchema,
  produce: (write: (columns: ParquetColumns, rowGroupSize: number) => Promise<void>) => Promise<void>,
  kvMetadata?: Array<{ key: string; value: string }>,
): Promise<void> {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  // A failed put destroys the stream; its error reaches the caller through the put.
  out.on('error', () => undefined);
  const put = target === 'discard' ? undefined : target.storage.putObjectStream(target.key, out, PARQUET_CONTENT_TYPE);
  put?.catch((err: unknown) => out.destroy(err as Error));
  const bytes: Writer & { index: number } = new ByteWriter(64 * 1024);
  const flush = async () => {
    if (bytes.index === 0) return;
    const chunk = Buffer.from(bytes.buffer.slice(0, bytes.index));
    bytes.index = 0;
    if (!put) return;
    if (out.destroyed) await put;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  bytes.flush = flush;
  bytes.finish = async () => {
    await flush();
    out.end();
  };
  const writer = new ParquetWriter({ writer: bytes, schema, createdBy: CREATED_BY, ...(kvMetadata ? { kvMetadata } : {}) });
  try {
    await produce(async (columnData, rowGroupSize) => {
      await writer.write({ columnData, rowGroupSize });
    });
    await writer.finish();
    await put;
  } catch (err) {
    out.destroy();
    await put?.catch(() => undefined);
    throw err;
  }
}
