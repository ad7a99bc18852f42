import { z } from 'zod';

/** A recording command's action: one headset, or one headset of a command to all the tablet holds. */
export const COMMAND_ACTIONS = ['start', 'stop', 'toggle', 'start-all', 'stop-all'] as const;
export const commandActionSchema = z.enum(COMMAND_ACTIONS);
export type CommandAction = z.infer<typeof commandActionSchema>;

/** `sent` until the headset confirms (`confirmed`), answers otherwise or goes away (`failed`), or the deadline passes (`expired`). */
export const COMMAND_STATES = ['sent', 'confirmed', 'failed', 'expired'] as const;
export const commandStateSchema = z.enum(COMMAND_STATES);
export type CommandState = z.infer<typeof commandStateSchema>;
