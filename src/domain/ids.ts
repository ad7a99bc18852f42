import { z } from 'zod';

/**
 * The identifiers every part of the server shares: who a client is (its
 * device type and ID) and which capture session it talks about. Defined once
 * here; the protocol, REST routes, tokens and store all use these.
 */

export const DEVICE_TYPES = ['headset', 'tablet', 'dashboard'] as const;
export const deviceTypeSchema = z.enum(DEVICE_TYPES);
export type DeviceType = z.infer<typeof deviceTypeSchema>;

/** The spec's device ID rule; also used for tablet IDs (a tablet is a device). */
export const DEVICE_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const DEVICE_ID_RULE = '1-64 characters of a-z, A-Z, 0-9, _ or -';
export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, { message: `deviceId must be ${DEVICE_ID_RULE}` });

/** True for a well-formed device ID; lets callers echo untrusted IDs only when safe. */
export const isDeviceId = (value: unknown): value is string => typeof value === 'string' && DEVICE_ID_PATTERN.test(value);

/** A capture session (tablet-create-session). Not a recording folder in storage: see domain/layout. */
export const SESSION_ID_PATTERN = /^[a-zA-Z0-9_.-]{1,100}$/;
export const sessionIdSchema = z.string().regex(SESSION_ID_PATTERN, { message: 'invalid session ID' });
