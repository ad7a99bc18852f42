import { describe, expect, it } from 'vitest';
import { DomainEvents } from '../../src/domain/events';

const event = { deviceId: 'H1', isRecording: true };

describe('domain events', () => {
  it('runs every listener, synchronous or not, and resolves when the asynchronous ones have finished', async () => {
    const events = new DomainEvents();
    const heard: string[] = [];
    events.on('device.recording-changed', () => void heard.push('sync'));
    events.on('device.recording-changed', async () => {
      await new Promise((r) => setImmediate(r));
      heard.push('async');
    });
    events.on('device.recording-changed', ({ deviceId }) => void heard.push(deviceId));
    await events.publish('device.recording-changed', event);
    expect(heard).toEqual(['sync', 'H1', 'async']);
  });

  it('rejects with the first failure in subscription order, after every listener ran, whether it threw or rejected', async () => {
    const events = new DomainEvents();
    const heard: string[] = [];
    events.on('device.recording-changed', async () => {
      await new Promise((r) => setImmediate(r));
      heard.push('slow');
      throw new Error('first');
    });
    events.on('device.recording-changed', () => {
      throw new Error('second');
    });
    events.on('device.recording-changed', () => void heard.push('after'));
    await expect(events.publish('device.recording-changed', event)).rejects.toThrow('first');
    expect(heard).toEqual(['after', 'slow']);
  });

  it('rejects with a synchronous failure of a lone listener, and resolves with no listener at all', async () => {
    const events = new DomainEvents();
    await expect(events.publish('device.recording-changed', event)).resolves.toBeUndefined();
    const off = events.on('device.recording-changed', () => {
      throw new Error('only');
    });
    await expect(events.publish('device.recording-changed', event)).rejects.toThrow('only');
    off();
    await expect(events.publish('device.recording-changed', event)).resolves.toBeUndefined();
  });
});
