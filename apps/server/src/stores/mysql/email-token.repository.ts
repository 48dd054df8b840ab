import type { EmailTokenRepository, InvitationRecord, ResetCandidate } from "../email-token-repository.ts";
import type { MemberRole } from "../records.ts";
import type { MysqlDatabase } from "./database.ts";

const INVITATION_SELECT = `SELECT i.id, i.email, i.entity_id AS entityId, e.name AS entityName, i.role,
  i.invited_by AS invitedBy, u.username AS inviterUsername, i.created_at AS createdAt,
  i.expires_at AS expiresAt, i.accepted_at AS acceptedAt, i.accepted_by AS acceptedBy,
  i.revoked_at AS revokedAt
  FROM invitations i LEFT JOIN entities e ON e.id = i.entity_id LEFT JOIN users u ON u.id = i.invited_by`;

const PENDING = "i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?";

/** BIGINT columns arrive as numbers (supportBigNumbers without strings); null stays null. */
const num = (value: number | null): number | null => (value === null ? null : Number(value));

function toInvitation(row: InvitationRecord): InvitationRecord {
  return {
    ...row,
    id: Number(row.id),
    entityId: num(row.entityId),
    invitedBy: num(row.invitedBy),
    createdAt: Number(row.createdAt),
    expiresAt: Number(row.expiresAt),
    acceptedAt: num(row.acceptedAt),
    acceptedBy: num(row.acceptedBy),
    revokedAt: num(row.revokedAt),
  };
}

/** Invitation and password-reset links on MySQL (migration 0007_email_tokens.sql). */
export class MysqlEmailTokenRepository implements EmailTokenRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async insertInvitation(input: {
    tokenHash: string;
    email: string;
    entityId: number | null;
    role: MemberRole;
    invitedBy: number;
    now: number;
    expiresAt: number;
  }): Promise<number> {
    const { insertId } = await this.db.run(
      `INSERT INTO invitations (token_hash, email, entity_id, role, invited_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [input.tokenHash, input.email, input.entityId, input.role, input.invitedBy, input.now, input.expiresAt],
    );
    return Number(insertId);
  }

  async findInvitation(id: number): Promise<InvitationRecord | undefined> {
    const row = await this.db.get<InvitationRecord>(`${INVITATION_SELECT} WHERE i.id = ?`, [id]);
    return row && toInvitation(row);
  }

  async findInvitationByToken(tokenHash: string): Promise<InvitationRecord | undefined> {
    const row = await this.db.get<InvitationRecord>(`${INVITATION_SELECT} WHERE i.token_hash = ?`, [
      tokenHash,
    ]);
    return row && toInvitation(row);
  }

  async listPendingInvitations(entityId: number | null, now: number): Promise<InvitationRecord[]> {
    const rows =
      entityId === null
        ? await this.db.all<InvitationRecord>(`${INVITATION_SELECT} WHERE ${PENDING} ORDER BY i.id DESC`, [
            now,
          ])
        : await this.db.all<InvitationRecord>(
            `${INVITATION_SELECT} WHERE i.entity_id = ? AND ${PENDING} ORDER BY i.id DESC`,
            [entityId, now],
          );
    return rows.map(toInvitation);
  }

  async renewInvitation(id: number, tokenHash: string, _now: number, expiresAt: number): Promise<boolean> {
    // Not "pending" here: an expired invitation may be renewed (that is what resend is for).
    const { affectedRows } = await this.db.run(
      "UPDATE invitations SET token_hash = ?, expires_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
      [tokenHash, expiresAt, id],
    );
    return affectedRows === 1;
  }

  async revokeInvitation(id: number, now: number): Promise<boolean> {
    const { affectedRows } = await this.db.run(
      "UPDATE invitations SET revoked_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
      [now, id],
    );
    return affectedRows === 1;
  }

  async claimInvitation(tokenHash: string, now: number): Promise<InvitationRecord | undefined> {
    // One conditional UPDATE: InnoDB's row lock makes concurrent claims queue, and the second sees
    // accepted_at set and matches nothing.
    const { affectedRows } = await this.db.run(
      `UPDATE invitations i SET i.accepted_at = ? WHERE i.token_hash = ? AND ${PENDING}`,
      [now, tokenHash, now],
    );
    if (affectedRows !== 1) return undefined;
    return this.findInvitationByToken(tokenHash);
  }

  async completeInvitation(id: number, userId: number): Promise<void> {
    await this.db.run("UPDATE invitations SET accepted_by = ? WHERE id = ?", [userId, id]);
  }

  async releaseInvitation(id: number): Promise<void> {
    await this.db.run("UPDATE invitations SET accepted_at = NULL WHERE id = ? AND accepted_by IS NULL", [id]);
  }

  async findResetCandidates(email: string): Promise<ResetCandidate[]> {
    const rows = await this.db.all<ResetCandidate>(
      `SELECT u.id AS userId, u.username FROM users u
       WHERE lower(u.email) = lower(?)
         AND NOT EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id)
         AND (u.password_hash IS NOT NULL
              OR NOT EXISTS (SELECT 1 FROM user_identities ui WHERE ui.user_id = u.id))
       ORDER BY u.id`,
      [email],
    );
    return rows.map((row) => ({ userId: Number(row.userId), username: row.username }));
  }

  async insertPasswordReset(input: {
    tokenHash: string;
    userId: number;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db.run("DELETE FROM password_resets WHERE expires_at <= ? OR used_at IS NOT NULL", [
      input.now,
    ]);
    await this.db.run(
      "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
      [input.tokenHash, input.userId, input.now, input.expiresAt],
    );
  }

  async consumePasswordReset(tokenHash: string, now: number): Promise<ResetCandidate | undefined> {
    const { affectedRows } = await this.db.run(
      "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
      [now, tokenHash, now],
    );
    if (affectedRows !== 1) return undefined;
    const row = await this.db.get<ResetCandidate>(
      "SELECT r.user_id AS userId, u.username FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?",
      [tokenHash],
    );
    return row === undefined ? undefined : { userId: Number(row.userId), username: row.username };
  }
}
