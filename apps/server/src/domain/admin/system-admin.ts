/**
 * `/system-admin` (docs/backends.md, "System admin"): the instance overview and the external file
 * storage settings W&B Server's docs describe — the bucket (`s3://…`), its region and KMS key, and
 * the notification subscription (`sqs://…`). The composition root implements it (it owns the stores
 * that a change replaces); the API and the web UI only see this contract.
 */
import type { CorsCheck } from "../../stores/objects/bucket-cors.ts";
import type { UserRecord } from "../../stores/records.ts";

/** Where a setting's value comes from: the server's environment (read-only here), the admin, or neither. */
export type SettingSource = "environment" | "settings" | "default";

export interface StorageSettingsInput {
  /** `s3://[KEY:SECRET@]bucket[/path]`, `s3://KEY:SECRET@host:port/bucket[/path]`, or "" for the local disk. */
  readonly bucket: string;
  readonly region: string;
  readonly kmsKeyId: string;
  /** `internal://` or `sqs://<queue name or URL>`. */
  readonly queue: string;
}

export interface SystemOverview {
  readonly version: string;
  readonly license: { readonly present: boolean };
  readonly storage: {
    readonly kind: "local-disk" | "s3" | "azure" | "gcs";
    /** As entered, with any secret key masked. */
    readonly bucket: string;
    readonly region: string;
    readonly kmsKeyId: string;
    readonly queue: string;
    readonly source: { readonly bucket: SettingSource; readonly queue: SettingSource };
    /** False when the environment sets them: the chart (or whoever starts the server) owns them. */
    readonly editable: { readonly bucket: boolean; readonly queue: boolean };
    /** The bucket's CORS rules judged for the web UI; null with the local disk. */
    readonly cors: CorsCheck | null;
  };
  readonly database: { readonly engine: "sqlite" | "mysql"; readonly label: string };
  readonly queue: {
    readonly kind: "internal" | "sqs";
    readonly jobs: { readonly total: number; readonly due: number };
    readonly deadLetters: number;
    readonly uploads: Readonly<{ confirmed: number; expired: number; failed: number }>;
  };
  readonly users: number;
}

export interface SystemAdmin {
  overview(): Promise<SystemOverview>;
  /**
   * Checks the settings by reaching them (a probe object written, read and deleted in the bucket; the
   * queue's attributes read), then stores them and applies them without a restart. Throws
   * INVALID_ARGUMENT listing every problem; nothing changes then.
   */
  updateStorage(input: StorageSettingsInput, actor: UserRecord): Promise<SystemOverview>;
}
