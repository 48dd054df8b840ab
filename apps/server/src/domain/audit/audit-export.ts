import { Readable } from "node:stream";
import type { AuditRepository } from "../../stores/audit-repository.ts";
import type { ObjectStore } from "../../stores/objects/object-store.ts";
import type { IdentityRepository } from "../../stores/repositories.ts";
import type { AuditEntry } from "./audit-event.ts";
import { auditEntryJson } from "./audit-json.ts";

/** The settings row holding the id of the last entry written to the bucket. */
export const EXPORT_CURSOR_SETTING = "audit.export.cursor";
/** The settings row holding until when (ms) one replica holds the export. */
export const EXPORT_LEASE_SETTING = "audit.export.lease";
/** Entries per object. */
export const EXPORT_BATCH = 10_000;
const LEASE_MS = 10 * 60_000;

export interface ExportedObject {
  readonly key: string;
  readonly entries: number;
  readonly firstId: number;
  readonly lastId: number;
}

export interface ExportResult {
  /** False when another replica was exporting: nothing was done. */
  readonly ran: boolean;
  readonly objects: readonly ExportedObject[];
}

/** `audit-logs/YYYY/MM/DD/<firstId>-<lastId>.jsonl`, dated by the first entry (UTC). */
export function exportKey(first: AuditEntry, lastId: number): string {
  const day = new Date(first.at).toISOString().slice(0, 10).replaceAll("-", "/");
  return `audit-logs/${day}/${first.id}-${lastId}.jsonl`;
}

/** One JSON object per line, each line ending in a newline. */
export function jsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(auditEntryJson(entry))}\n`).join("");
}

export interface AuditExportOptions {
  readonly audit: AuditRepository;
  readonly identity: IdentityRepository;
  /** Asked per export: the bucket may change while the server runs (/system-admin). */
  readonly objects: () => ObjectStore;
  readonly now?: () => number;
  readonly batch?: number;
}

/**
 * Writes the audit entries not yet exported to the bucket, batch by batch, at least once: the cursor
 * moves only after the object is durable, so a crash between the two rewrites the same object on the
 * next run. Replicas take turns through a lease in the settings table (compare-and-set), and the
 * cursor itself moves by compare-and-set, so two exporters never advance it from the same value.
 */
export class AuditExporter {
  private readonly options: AuditExportOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(options: AuditExportOptions) {
    this.options = options;
  }

  async exportNow(): Promise<ExportResult> {
    const { audit, identity } = this.options;
    const now = this.options.now ?? Date.now;
    const lease = await this.takeLease(now());
    if (lease === undefined) return { ran: false, objects: [] };
    let held = lease;
    const objects: ExportedObject[] = [];
    try {
      for (;;) {
        const stored = await identity.getSetting(EXPORT_CURSOR_SETTING);
        const entries = await audit.after(Number(stored ?? "0"), this.options.batch ?? EXPORT_BATCH);
        const first = entries[0];
        const last = entries.at(-1);
        if (!first || !last) break;
        const key = exportKey(first, last.id);
        await this.options.objects().put(key, Readable.from([Buffer.from(jsonLines(entries), "utf8")]));
        if (!(await audit.compareAndSetSetting(EXPORT_CURSOR_SETTING, stored, String(last.id)))) break;
        objects.push({ key, entries: entries.length, firstId: first.id, lastId: last.id });
        // Renewed per object, so a long backlog keeps the lease; lost (expired and taken): stop.
        const renewed = String(now() + LEASE_MS);
        if (!(await audit.compareAndSetSetting(EXPORT_LEASE_SETTING, held, renewed)))
          return { ran: true, objects };
        held = renewed;
      }
    } finally {
      await audit.compareAndSetSetting(EXPORT_LEASE_SETTING, held, "0").catch(() => false);
    }
    return { ran: true, objects };
  }

  /** Runs an export every `seconds` (0: never) until stop(); failures are logged and retried next time. */
  start(seconds: number): void {
    if (seconds <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.exportNow()
        .catch((error: unknown) => console.error("audit log export failed:", error))
        .finally(() => {
          this.running = undefined;
        });
    }, seconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The lease's new value when this replica took it; undefined while another one holds it. */
  private async takeLease(now: number): Promise<string | undefined> {
    const current = await this.options.identity.getSetting(EXPORT_LEASE_SETTING);
    if (current !== undefined && Number(current) > now) return undefined;
    const value = String(now + LEASE_MS);
    return (await this.options.audit.compareAndSetSetting(EXPORT_LEASE_SETTING, current, value))
      ? value
      : undefined;
  }
}
