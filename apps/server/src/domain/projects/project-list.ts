/**
 * The web UI's home page: the projects of every entity the user belongs to, each with its run count
 * and when it last changed (its newest run's update, or its creation when it has no runs), most
 * recently active first.
 */
import type { UserRecord } from "../../stores/records.ts";
import type { Stores } from "../services.ts";

export interface ProjectSummary {
  readonly entity: string;
  readonly name: string;
  readonly runCount: number;
  /** Unix milliseconds. */
  readonly updatedAt: number;
}

/** Projects read per entity; the home page is an overview, not an export. */
export const PROJECTS_PER_ENTITY = 200;

export async function projectsOfUser(
  stores: Pick<Stores, "identity" | "runReads">,
  user: UserRecord,
): Promise<ProjectSummary[]> {
  const summaries: ProjectSummary[] = [];
  for (const entity of await stores.identity.entitiesOfUser(user.id)) {
    const projects = await stores.runReads.projectsOfEntity(entity.id, 0, PROJECTS_PER_ENTITY);
    for (const project of projects) {
      const [runCount, newest] = await Promise.all([
        stores.runReads.countRuns(project.id, { kind: "all" }),
        stores.runReads.listRuns({
          projectId: project.id,
          filter: { kind: "all" },
          order: { field: { kind: "column", column: "updated_at" }, descending: true },
          after: null,
          limit: 1,
        }),
      ]);
      summaries.push({
        entity: entity.name,
        name: project.name,
        runCount,
        updatedAt: Math.max(project.createdAt, newest[0]?.run.updatedAt ?? 0),
      });
    }
  }
  return summaries.sort((a, b) => b.updatedAt - a.updatedAt || a.name.localeCompare(b.name));
}
