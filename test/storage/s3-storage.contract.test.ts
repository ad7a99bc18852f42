import { startS3Server } from '../helpers/s3-server';
import { objectStorageContract } from './object-storage.contract';

objectStorageContract(
  'S3 driver on s3rver',
  // Three objects a page, so listing crosses pages without writing a thousand objects.
  () => startS3Server({ listPageSize: 3 }),
  // s3rver (3.7) implements neither ListParts, ListMultipartUploads nor AbortMultipartUpload, completes
  // without checking ETags or the upload ID, and lists a folder's contents before keys that sort below '/'.
  // The driver's handling of S3's answers to those calls is tested against aws-sdk-client-mock in
  // test/uploads/s3-driver.test.ts; the driver takes S3's order as it comes.
  ['listParts', 'listMultipartUploads', 'abortMultipartUpload', 'completeChecks', 'byteKeyOrder'],
);
