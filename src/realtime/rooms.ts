/**
 * Room names. Every emit to a client goes through a room, so it reaches the
 * client on whichever server process holds its socket.
 */
export const rooms = {
  /** The headset's own socket(s): commands to the headset. */
  device: (deviceId: string) => `device:${deviceId}`,
  /** Whoever watches a headset: its lock holder, connected tablets, watching dashboards. */
  viewers: (deviceId: string) => `viewers:${deviceId}`,
  /** The sockets of the tablet holding the headset's lock. */
  holder: (deviceId: string) => `holder:${deviceId}`,
  /**
   * Viewers and lock holder together, kept in step by following(), so what they
   * all receive (status, telemetry, frames) is one single-room broadcast: with
   * the sharded adapter that is one channel, heard only by processes with watchers.
   */
  watch: (deviceId: string) => `watch:${deviceId}`,
  /** Preview viewers of a headset that asked for at most `fps` frames a second (dashboard-watch-preview). */
  preview: (deviceId: string, fps: number) => `preview:${deviceId}:${fps}`,
  /** Every socket of one tablet identity, across reconnects. */
  tablet: (tabletId: string) => `tablet:${tabletId}`,
  /** All tablets: headset lists and lock updates. */
  tablets: 'tablets',
  /** Dashboards that sent dashboard-subscribe: fleet updates. */
  dashboards: 'dashboards',
  /** Subscribed dashboards that want every telemetry update as it comes (the spec's subscription). */
  telemetryUpdates: 'dashboards:telemetry',
  /** Subscribed dashboards that asked for { telemetry: 'batched' }: on-fleet-telemetry-batch. */
  telemetryBatches: 'dashboards:telemetry-batches',
  /** Whether a room name is some headset's viewers room. */
  isViewers: (room: string) => room.startsWith('viewers:'),
} as const;

/** Everyone who sees a headset's status, telemetry and frames: its viewers and its lock holder. */
export const watchersOf = (deviceId: string): string[] => [rooms.watch(deviceId)];
