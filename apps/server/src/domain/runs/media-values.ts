/**
 * The media values the wandb client writes into history and summary rows, read back for the web UI.
 * Shapes (wandb 0.31, wandb/sdk/data_types):
 * - `wandb.Image` → `{"_type": "image-file", "path": "media/images/<key>_<step>_<hash>.png", "sha256",
 *   "size", "width", "height", "format", "caption"?}` (image.py `to_json`, base_types/media.py);
 *   a list of images → `{"_type": "images/separated", "filenames": [...], "captions"?: [...], "width",
 *   "height", "format", "count"}` (image.py `seq_to_json`).
 * - `wandb.Html` → `{"_type": "html-file", "path": "media/html/….html", "sha256", "size"}` (html.py).
 * - `wandb.Table` → `{"_type": "table-file", "path": "media/table/….table.json", "ncols", "nrows",
 *   "log_mode"}` (table.py `to_json`; `incremental-table-file` for incremental tables), the file
 *   holding `{"columns": [...], "data": [[...], ...]}`.
 * Pure functions (unit-tested in media-values.test.ts).
 */
import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";

export type MediaKind = "image" | "html" | "table";

export type MediaItem =
  | {
      readonly kind: "image";
      readonly path: string;
      readonly caption: string | null;
      readonly width: number | null;
      readonly height: number | null;
    }
  | { readonly kind: "html"; readonly path: string }
  | {
      readonly kind: "table";
      readonly path: string;
      readonly rows: number | null;
      readonly columns: number | null;
    };

type JsonObject = { readonly [key: string]: JsonValue };

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value) && typeof value !== "bigint";

const KINDS: Readonly<Record<string, MediaKind>> = {
  "image-file": "image",
  "images/separated": "image",
  "html-file": "html",
  "table-file": "table",
  "incremental-table-file": "table",
};

/** The media kind of a logged value, or undefined for anything else. */
export function mediaKindOf(value: JsonValue | undefined): MediaKind | undefined {
  if (!isObject(value) || typeof value._type !== "string") return undefined;
  return KINDS[value._type];
}

/** A run file name the client wrote under `media/`: relative, no traversal. */
function mediaPath(value: JsonValue | undefined): string | null {
  if (typeof value !== "string") return null;
  const path = value.replace(/^(\.\/)+/, "");
  if (!path.startsWith("media/") || path.split("/").some((s) => s === "" || s === "." || s === ".."))
    return null;
  return path;
}

const intOrNull = (value: JsonValue | undefined): number | null =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;

const textOrNull = (value: JsonValue | undefined): string | null =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : null;

/** The files a media value points at (several for a list of images); [] for anything else. */
export function mediaItemsOf(value: JsonValue | undefined): MediaItem[] {
  if (!isObject(value)) return [];
  switch (value._type) {
    case "image-file": {
      const path = mediaPath(value.path);
      if (path === null) return [];
      return [
        {
          kind: "image",
          path,
          caption: textOrNull(value.caption),
          width: intOrNull(value.width),
          height: intOrNull(value.height),
        },
      ];
    }
    case "images/separated": {
      const names = Array.isArray(value.filenames) ? value.filenames : [];
      const captions = Array.isArray(value.captions) ? value.captions : [];
      const items: MediaItem[] = [];
      names.forEach((name, i) => {
        const path = mediaPath(name);
        if (path !== null)
          items.push({
            kind: "image",
            path,
            caption: textOrNull(captions[i]),
            width: intOrNull(value.width),
            height: intOrNull(value.height),
          });
      });
      return items;
    }
    case "html-file": {
      const path = mediaPath(value.path);
      return path === null ? [] : [{ kind: "html", path }];
    }
    case "table-file":
    case "incremental-table-file": {
      const path = mediaPath(value.path);
      return path === null
        ? []
        : [{ kind: "table", path, rows: intOrNull(value.nrows), columns: intOrNull(value.ncols) }];
    }
    default:
      return [];
  }
}

/** The top-level keys of a summary (JSON text as the client sent it) holding media, by name. */
export function mediaKeysOf(summary: string): { key: string; kind: MediaKind }[] {
  let parsed: JsonValue;
  try {
    parsed = parseLenientJson(summary);
  } catch {
    return [];
  }
  if (!isObject(parsed)) return [];
  const keys: { key: string; kind: MediaKind }[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const kind = mediaKindOf(value);
    if (kind !== undefined) keys.push({ key, kind });
  }
  return keys.sort((a, b) => a.key.localeCompare(b.key));
}

/** JSON has no NaN or ±Infinity: NaN goes out as null, ±Infinity as text; bigints as text too. */
export function wireValue(value: JsonValue): JsonValue {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return null;
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return value;
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(wireValue);
  if (isObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = wireValue(v);
    return out;
  }
  return value;
}

export interface TablePage {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly JsonValue[])[];
  /** Rows in the whole table. */
  readonly total: number;
  readonly offset: number;
}

/** One page of a table file's rows (`{columns, data}`); cells made JSON-safe by `wireValue`. */
export function tablePage(text: string, offset: number, limit: number): TablePage {
  let parsed: JsonValue;
  try {
    parsed = parseLenientJson(text, { exactIntegers: true });
  } catch {
    throw new AppError("INVALID_ARGUMENT", "The table file is not JSON.");
  }
  if (!isObject(parsed) || !Array.isArray(parsed.columns) || !Array.isArray(parsed.data))
    throw new AppError("INVALID_ARGUMENT", "The table file has no `columns` and `data`.");
  const columns = parsed.columns.map((c) => (typeof c === "string" ? c : String(wireValue(c))));
  const data = parsed.data;
  const rows = data
    .slice(offset, offset + limit)
    .map((row) => (Array.isArray(row) ? row.map(wireValue) : [wireValue(row)]));
  return { columns, rows, total: data.length, offset };
}
