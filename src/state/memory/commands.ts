import {
  DEFAULT_COMMANDS_PER_ISSUER,
  DEFAULT_TIMELINE_RETENTION_SECONDS,
  type CommandCreation,
  type CommandResolution,
  type CommandPage,
  type CommandQuery,
  type CommandRecord,
  type CommandStore,
  type StoreTtls,
} from '../types';
import { commandOrder, decodeCommandCursor, encodeCommandCursor, isAfterCursor } from '../stream-ids';

/** Records kept at most in this process (oldest dropped first), so the embedded store is capped by count. */
export const MEMORY_MAX_COMMANDS = 50_000;

const copy = <T>(value: T): T => structuredClone(value);

/** The command ledger in this process; single-threaded, so each method is atomic. */
export class MemoryCommandStore implements CommandStore {
  /** In insertion order, which is issue order: the first key is the oldest. */
  private readonly records = new Map<string, CommandRecord>();
  /**
   * The IDs of records still `sent`, a subset of `records`: a command, a headset's state
   * report and the sweep look only at these, not at up to 50,000 settled ones.
   */
  private readonly pending = new Set<string>();
  /** Each issuer's record IDs in issue order, for its cap (COMMANDS_PER_TABLET). */
  private readonly byIssuer = new Map<string, Set<string>>();
  private readonly retentionMs: number;
  private readonly perIssuer: number;

  constructor(
    ttls: StoreTtls,
    private readonly maxRecords = MEMORY_MAX_COMMANDS,
  ) {
    this.retentionMs = (ttls.timelineRetentionSeconds ?? DEFAULT_TIMELINE_RETENTION_SECONDS) * 1000;
    this.perIssuer = ttls.commandsPerIssuer ?? DEFAULT_COMMANDS_PER_ISSUER;
  }

  async create(record: CommandRecord): Promise<CommandCreation> {
    const existing = this.live(record.commandId);
    if (existing) return { outcome: 'exists', record: copy(existing) };
    this.records.set(record.commandId, copy(record));
    if (record.state === 'sent') this.pending.add(record.commandId);
    const own = this.byIssuer.get(record.issuedBy.id) ?? new Set<string>();
    this.byIssuer.set(record.issuedBy.id, own.add(record.commandId));
    // One issuer's flood forgets its own oldest records, never another's.
    while (own.size > this.perIssuer) this.forget(own.values().next().value!);
    while (this.records.size > this.maxRecords) this.forget(this.records.keys().next().value!);
    return { outcome: 'created', record: copy(record) };
  }

  async get(commandId: string): Promise<CommandRecord | null> {
    const record = this.live(commandId);
    return record ? copy(record) : null;
  }

  async resolve(commandId: string, change: CommandResolution) {
    const record = this.live(commandId);
    if (!record || record.state !== 'sent') return null;
    this.pending.delete(commandId);
    record.state = change.state;
    record.updatedAt = new Date(change.at);
    if (change.reason !== undefined) record.reason = change.reason;
    if (change.start) record.start = structuredClone(change.start);
    return copy(record);
  }

  async pendingFor(deviceId: string): Promise<CommandRecord[]> {
    return this.stillSent()
      .filter((r) => r.deviceId === deviceId)
      .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime())
      .map(copy);
  }

  async overdue(now: Date, limit: number): Promise<CommandRecord[]> {
    return this.stillSent()
      .filter((r) => r.deadline.getTime() <= now.getTime())
      .sort((a, b) => a.deadline.getTime() - b.deadline.getTime())
      .slice(0, limit)
      .map(copy);
  }

  async list(query: CommandQuery): Promise<CommandPage> {
    const cursor = decodeCommandCursor(query.cursor);
    const all = this.all().filter(
      (r) =>
        (query.deviceId === undefined || r.deviceId === query.deviceId) &&
        (query.issuedBy === undefined || r.issuedBy.id === query.issuedBy) &&
        (query.state === undefined || r.state === query.state) &&
        (query.from === undefined || r.issuedAt >= query.from) &&
        (query.to === undefined || r.issuedAt <= query.to),
    );
    const matching = all.filter((r) => cursor === undefined || isAfterCursor(r, cursor)).sort(commandOrder);
    const page = matching.slice(0, query.limit).map(copy);
    const last = page.at(-1);
    return {
      commands: page,
      total: all.length,
      totalExact: true,
      ...(matching.length > query.limit && last ? { nextCursor: encodeCommandCursor(last) } : {}),
    };
  }

  purgeExpired(): void {
    const oldest = Date.now() - this.retentionMs;
    for (const [id, record] of this.records) if (record.issuedAt.getTime() < oldest) this.forget(id);
  }

  private forget(commandId: string): void {
    const issuer = this.records.get(commandId)?.issuedBy.id;
    const own = issuer === undefined ? undefined : this.byIssuer.get(issuer);
    own?.delete(commandId);
    if (own?.size === 0) this.byIssuer.delete(issuer!);
    this.records.delete(commandId);
    this.pending.delete(commandId);
  }

  private stillSent(): CommandRecord[] {
    return [...this.pending].map((id) => this.live(id)).filter((r): r is CommandRecord => r !== undefined);
  }

  private live(commandId: string): CommandRecord | undefined {
    const record = this.records.get(commandId);
    if (record && record.issuedAt.getTime() < Date.now() - this.retentionMs) {
      this.forget(commandId);
      return undefined;
    }
    return record;
  }

  private all(): CommandRecord[] {
    const oldest = Date.now() - this.retentionMs;
    return [...this.records.values()].filter((r) => r.issuedAt.getTime() >= oldest);
  }
}
