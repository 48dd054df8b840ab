/**
 * The run page's tabs, in display order. Each area adds its tab with ONE entry here; `render` gets
 * the loaded run and returns the tab's content (mounted only while the tab is selected).
 */
import type { ReactNode } from "react";
import type { RunOverview } from "../api/runs.ts";
import { RunArtifactsTab } from "../artifacts/run-artifacts-tab.tsx";
import { MediaTab } from "../media/media-tab.tsx";
import { type ChartRun, MetricPanels } from "../panels/metric-panels.tsx";
import { SystemPanels } from "../panels/system-panels.tsx";
import { FilesTab } from "./files-tab.tsx";
import { LogsTab } from "./logs-tab.tsx";
import { OverviewTab } from "./overview-tab.tsx";

export interface RunTabContext {
  readonly entity: string;
  readonly project: string;
  /** The run id, as in the page address. */
  readonly name: string;
  /** The loaded overview (re-read on `reload()` and while the run is running). */
  readonly run: RunOverview;
  /** Whether the run is still running: tabs poll for new data while this is true. */
  readonly running: boolean;
  /** The colour this run is drawn in (charts). */
  readonly color: string;
  /** Re-reads the overview (after an edit, or to pick up a state change). */
  readonly reload: () => void;
}

export interface RunTab {
  /** The tab's address segment: `/:entity/:project/runs/:run?tab=<id>`. */
  readonly id: string;
  readonly label: string;
  readonly render: (ctx: RunTabContext) => ReactNode;
}

export const RUN_TABS: readonly RunTab[] = [
  { id: "overview", label: "Overview", render: (ctx) => <OverviewTab {...ctx} /> },
  {
    id: "charts",
    label: "Charts",
    render: (ctx) => <MetricPanels runs={[chartRun(ctx)]} live={ctx.running} />,
  },
  { id: "system", label: "System", render: (ctx) => <SystemPanels runs={[chartRun(ctx)]} /> },
  { id: "logs", label: "Logs", render: (ctx) => <LogsTab {...ctx} /> },
  { id: "files", label: "Files", render: (ctx) => <FilesTab {...ctx} /> },
  { id: "artifacts", label: "Artifacts", render: (ctx) => <RunArtifactsTab ctx={ctx} /> },
  { id: "media", label: "Media", render: (ctx) => <MediaTab ctx={ctx} /> },
];

/** This run as the chart panels take it. */
function chartRun(ctx: RunTabContext): ChartRun {
  const { entity, project, name, run, running, color } = ctx;
  return { entity, project, name, displayName: run.displayName, color, running };
}
