import { describe, expect, it } from 'vitest';
import {
  extensionOf,
  folderIsoTime,
  isIssuedRecordingKey,
  isRecordingsKey,
  parseRecordingKey,
  recordingFolderPrefix,
  recordingKey,
  recordingIdOfKey,
  parseRecordingId,
  recordingFileKey,
} from '../../src/domain/layout';

describe('storage layout', () => {
  it('builds recording keys only from valid timestamps', () => {
    expect(recordingKey('20260206_143052', 'video')).toBe('sessions/20260206_143052/recording.mp4');
    expect(recordingKey('20260206_143052', 'data')).toBe('sessions/20260206_143052/session_data.npz');
    expect(() => recordingKey('../20260206', 'video')).toThrow();
    expect(recordingFolderPrefix('20260206_143052')).toBe('sessions/20260206_143052/');
  });

  it('reads recording folders, extensions and folder times from keys', () => {
    expect(parseRecordingKey('sessions/20260206_143052/recording.mp4')).toEqual({
      recordingFolder: '20260206_143052',
      file: 'recording.mp4',
      folderIsoTime: '2026-02-06T14:30:52Z',
    });
    expect(parseRecordingKey('sessions/recording.mp4')).toBeUndefined();
    expect(parseRecordingKey('sessions/20260206_143052/')).toBeUndefined();
    expect(parseRecordingKey('client_output/a.zip')).toBeUndefined();
    expect(extensionOf('sessions/x/Recording.MP4')).toBe('mp4');
    expect(extensionOf('readme')).toBe('');
    expect(extensionOf('dir.v2/.hidden')).toBe('');
    expect(folderIsoTime('20260206_143052')).toBe('2026-02-06T14:30:52Z');
  });

  it('reads folders named {timestamp}_{deviceId} (a recordingId), and folders of any other name, without a time', () => {
    expect(parseRecordingKey('sessions/20260206_143052_Quest-3_a/recording.mp4')).toEqual({
      recordingFolder: '20260206_143052_Quest-3_a',
      file: 'recording.mp4',
      folderIsoTime: '2026-02-06T14:30:52Z',
    });
    expect(parseRecordingKey('sessions/imported-batch/extra/notes.txt')).toEqual({
      recordingFolder: 'imported-batch',
      file: 'extra/notes.txt',
    });
    expect(folderIsoTime('20260206_1430521')).toBeUndefined();
  });

  it('puts a device upload in its recordingId folder, one per headset even in the same second', () => {
    expect(recordingKey('20260206_143052', 'video', 'H1')).toBe('sessions/20260206_143052_H1/recording.mp4');
    expect(recordingKey('20260206_143052', 'data', 'H2')).toBe('sessions/20260206_143052_H2/session_data.npz');
    expect(() => recordingKey('20260206_143052', 'video', '../x')).toThrow();
    expect(recordingIdOfKey('sessions/20260206_143052_H1/recording.mp4')).toEqual({ recordingId: '20260206_143052_H1', fileType: 'video' });
    expect(recordingIdOfKey('sessions/20260206_143052/recording.mp4')).toBeUndefined();
    expect(recordingIdOfKey('sessions/20260206_143052_H1/manifest.json')).toBeUndefined();
    expect(parseRecordingId('20260206_143052_Quest_3')).toEqual({ timestamp: '20260206_143052', deviceId: 'Quest_3' });
    expect(parseRecordingId('20260206_143052')).toBeUndefined();
    expect(recordingFileKey('20260206_143052_H1', 'manifest')).toBe('sessions/20260206_143052_H1/manifest.json');
  });

  it('accepts back only keys the server issues', () => {
    expect(isIssuedRecordingKey('sessions/20260206_143052/recording.mp4')).toBe(true);
    expect(isIssuedRecordingKey('sessions/20260206_143052/session_data.npz')).toBe(true);
    expect(isIssuedRecordingKey('sessions/20260206_143052_Quest-3_a/session_data.npz')).toBe(true);
    for (const key of [
      'sessions/20260206_143052/other.mp4',
      'sessions/x/recording.mp4',
      'sessions/20260206_143052/a/recording.mp4',
      'sessions/20260206_143052_a.b/recording.mp4',
      'sessions/20260206_143052_/recording.mp4',
      'recording.mp4',
    ]) {
      expect(isIssuedRecordingKey(key)).toBe(false);
    }
    expect(isRecordingsKey('sessions/anything')).toBe(true);
    expect(isRecordingsKey('client_output/x.zip')).toBe(false);
  });
});
