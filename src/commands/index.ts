import type { FeatureFactory } from '../feature/feature';
import { CommandLedger } from './command-ledger';
import { commandRouteDocs, commandRoutes } from './command-routes';
import { commandSocket } from './command-socket';
import { RecordingCommands } from './recording-commands';
import { CommandRefusals } from './refusals';
import { recordingCommandSocket } from './recording-socket';
import './events';

export { CommandLedger, commandView } from './command-ledger';
export { RecordingCommands, type CommandOptions, type CommandsAnswer } from './recording-commands';

declare module '../feature/services' {
  interface FeatureServices {
    /** The command ledger: every recording command a record. */
    commands: CommandLedger;
    /** Recording commands from tablets to the headsets they hold. */
    recordingCommands: RecordingCommands;
  }
}

/**
 * Recording commands: tablets start, stop and toggle recording on the headsets
 * they hold; every command is a ledger record (sent -> confirmed | failed |
 * expired) kept for the timeline; GET /api/commands.
 */
export const commands: FeatureFactory = (ctx) => {
  const { events, broadcast } = ctx;
  const ledger = new CommandLedger(ctx.store, events, {
    ackTimeoutMs: ctx.config.timing.recordingAckTimeoutMs,
    logger: ctx.logger.child({ component: 'commands' }),
    lease: ctx.lease,
  });
  const locks = ctx.services.get('locks');
  const devices = ctx.services.get('devices');
  const clock = ctx.services.get('clock');
  const recordingCommands = new RecordingCommands({
    ledger,
    locks,
    devices,
    clock,
    events,
    refusals: new CommandRefusals(ctx.metrics.registry, ctx.logger.child({ component: 'commands' })),
    minLeadMs: ctx.config.clock.minLeadMs,
  });
  return {
    name: 'commands',
    provides: { commands: ledger, recordingCommands },
    routes: commandRoutes(ctx.auth, ctx.store, recordingCommands),
    routeDocs: commandRouteDocs,
    sockets: [
      recordingCommandSocket({ commands: recordingCommands, clock, ledger, locks, devices, events, broadcast }),
      commandSocket(events, broadcast),
    ],
    tasks: [ledger],
  };
};
