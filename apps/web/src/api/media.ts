/** The run page's Media tab: media keys, their steps, table pages, and the sandboxed HTML address. */
import { request } from "./client.ts";
import type { JsonValue } from "./runs.ts";

export type MediaKind = "image" | "html" | "table";

export type MediaItem =
  | {
      readonly kind: "image";
      readonly path: string;
      readonly caption: string | null;
      readonly width: number | null;
      readonly height: number | null;
      /** A signed download link for the image file; null while it is not uploaded. */
      readonly url: string | null;
    }
  | { readonly kind: "html"; readonly path: string; readonly url: null }
  | {
      readonly kind: "table";
      readonly path: string;
      readonly rows: number | null;
      readonly columns: number | null;
      readonly url: null;
    };

export interface MediaStep {
  readonly step: number;
  readonly items: readonly MediaItem[];
}

export interface TablePage {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly JsonValue[])[];
  readonly total: number;
  readonly offset: number;
}

export interface RunAddress {
  readonly entity: string;
  readonly project: string;
  readonly run: string;
}

const mediaApi = (r: RunAddress) =>
  `/api/v1/runs/${encodeURIComponent(r.entity)}/${encodeURIComponent(r.project)}/${encodeURIComponent(r.run)}/media`;

export const listMediaKeys = (run: RunAddress) =>
  request<{ keys: { key: string; kind: MediaKind }[] }>("GET", mediaApi(run));

export const getMediaSteps = (run: RunAddress, key: string) =>
  request<{ key: string; steps: MediaStep[] }>("GET", `${mediaApi(run)}?${new URLSearchParams({ key })}`);

export const getTablePage = (run: RunAddress, path: string, offset: number, limit: number) =>
  request<TablePage>(
    "GET",
    `${mediaApi(run)}/table?${new URLSearchParams({ path, offset: `${offset}`, limit: `${limit}` })}`,
  );

/** Where an `<iframe sandbox="">` loads a logged HTML file from (answered with a sandboxing CSP). */
export const htmlMediaUrl = (run: RunAddress, path: string) =>
  `${mediaApi(run)}/html?${new URLSearchParams({ path })}`;
