/** The fleet simulator, for benchmarks and tests: `new SimulatedFleet({ url, apiKey, headsets, tablets })`. */
export { SimulatedFleet, FLEET_DEFAULTS, type FleetOptions } from './fleet';
export { SimulatedHeadset, CAPTURE_FPS, type HeadsetOptions } from './headset';
export { SimulatedTablet, type TabletOptions, type SynchronizedStart } from './tablet';
export { DeviceClock, CLOCK_DEFAULTS, randomClockProfile, referenceNow, type ClockOptions, type ClockProfile } from './device-clock';
export { answerTimeSync, scheduleStart, startLateness, type StartPlan } from './clock-link';
export { FleetStats, progressLine } from './stats';
export { FrameBank, renderFrame } from './jpeg';
export { buildNpz, type NpzOptions } from './npz';
export { chunkedUpload, mp4Source, bufferSource } from './upload';
export { adminTokenMinter, type MintToken } from './http';
export { DeviceToken } from './device-token';
export { TimestampAllocator, sessionTimestamp } from './timestamps';
export { Chaos, CHAOS_ACTS, type ChaosAct } from './chaos';
