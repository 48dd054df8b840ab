import { AppError } from "@ballast/core";
import type { EntityRecord, ProjectRecord, UserRecord } from "../../stores/records.ts";
import type { Stores } from "../services.ts";
import { type Action, allows } from "./policy.ts";

/** Resolves entity and project names for a user and enforces the policy table on them. */
export class AccessService {
  private readonly stores: Stores;

  constructor(stores: Stores) {
    this.stores = stores;
  }

  /** The named entity (the user's default when the client sends none), if `action` is allowed on it. */
  async entity(user: UserRecord, name: string | null | undefined, action: Action): Promise<EntityRecord> {
    const entityName = name || user.defaultEntityName;
    const entity = await this.stores.identity.findEntityByName(entityName);
    if (!entity) throw new AppError("ENTITY_NOT_FOUND", `Entity "${entityName}" does not exist.`);
    await this.assert(user, entity, action);
    return entity;
  }

  /** Whether the policy table lets the user take the action in the entity. */
  async permits(user: UserRecord, entity: EntityRecord, action: Action): Promise<boolean> {
    return allows(user, await this.stores.identity.memberRole(entity.id, user.id), action);
  }

  async assert(user: UserRecord, entity: EntityRecord, action: Action): Promise<void> {
    if (!(await this.permits(user, entity, action))) {
      throw new AppError(
        "PERMISSION_DENIED",
        `User "${user.username}" may not ${action} in entity "${entity.name}".`,
      );
    }
  }

  /** An existing project the user may act on; PROJECT_NOT_FOUND otherwise. */
  async project(
    user: UserRecord,
    entityName: string | null | undefined,
    projectName: string,
    action: Action,
  ): Promise<ProjectRecord> {
    const entity = await this.entity(user, entityName, action);
    const project = await this.stores.identity.findProject(entity.id, projectName);
    if (!project)
      throw new AppError("PROJECT_NOT_FOUND", `Project "${entity.name}/${projectName}" does not exist.`);
    return project;
  }

  /** The project, created on first use as W&B does, if the user may write to its entity. */
  async projectForWrite(user: UserRecord, entityName: string | null | undefined, projectName: string) {
    const entity = await this.entity(user, entityName, "write");
    return this.stores.identity.getOrCreateProject(entity.id, projectName, Date.now());
  }

  async projectById(user: UserRecord, projectId: number, action: Action): Promise<ProjectRecord> {
    const project = await this.stores.identity.findProjectById(projectId);
    if (!project) throw new AppError("PROJECT_NOT_FOUND", "Project not found.");
    const entity = await this.stores.identity.findEntityById(project.entityId);
    if (!entity) throw new AppError("ENTITY_NOT_FOUND", "Entity not found.");
    await this.assert(user, entity, action);
    return project;
  }
}
